"""The lake's copy in person order gives each person exactly the records the lake's own
files give, and is never used once it no longer holds the lake's files."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credo.cli.schemas import ByPersonCopyOut, LakeOut
from credo.data import by_person
from credo.data import by_person_writer as writer
from credo.data.ingest import ingest_path
from credo.data.lake import Lake
from credo.data.person_reads import person_rows
from credo.data.schemas import KINDS
from credo.errors import CredoError
from credo.simulate.population import SimConfig, simulate

from .conftest import record, records, write_csv

DATES = [datetime(2024, 6, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)]
HOSTILE = ["' OR 1=1 --", "$person", "\x00person", "", "人", "s5-p\n"]


def _sorted(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: (r["source_id"], r["record_id"]))


def _without_copy(lake: Lake, kind: str, as_of: datetime, person: str) -> list[dict]:
    return _sorted(lake.table(kind, as_of=as_of, person_id=person).to_pyarrow())


@pytest.fixture(scope="module")
def world_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    lake = Lake(tmp_path_factory.mktemp("by-person") / "lake")
    simulate(SimConfig(people=400, months=30, seed=5, bad_share=0.0), lake,
             tmp_path_factory.mktemp("truth"))
    return lake


def _people(lake: Lake) -> list[str]:
    ids = pa.concat_tables([pq.read_table(f, columns=["person_id"])
                            for f in lake.files("account")])["person_id"]
    return sorted(set(ids.to_pylist()))


def test_every_person_reads_what_the_lake_files_give(world_lake: Lake,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Small groups (DuckDB writes at least 2,048 rows a group) and files, so a person
    # is found among many groups and files, and at their edges.
    monkeypatch.setattr(writer, "ROW_GROUP_ROWS", 2_048)
    monkeypatch.setattr(writer, "ROW_GROUPS_PER_FILE", 3)
    report = writer.write_copy(world_lake)
    assert report.records["statement"] == sum(
        pq.read_metadata(f).num_rows for f in world_lake.files("statement"))
    copied = list((report.path / "statement").glob("*.parquet"))
    assert len(copied) > 2 and pq.read_metadata(copied[0]).num_row_groups == 3
    people = _people(world_lake)
    assert len(people) == 400
    for person in [*people[::13], people[-1], "nobody", *HOSTILE]:
        for kind in KINDS:
            stored = by_person.person_rows(world_lake, kind, person, "2025-01")
            assert stored is not None
            for as_of in DATES:
                assert _sorted(person_rows(world_lake, kind, as_of, person)) == \
                    _without_copy(world_lake, kind, as_of, person), (person, kind, as_of)
    # The copy is what was read: its rows for one person are their stored rows.
    person = people[11]
    stored = by_person.person_rows(world_lake, "statement", person)
    assert stored is not None and stored.num_rows > 0
    assert set(stored["person_id"].to_pylist()) == {person}


@pytest.fixture
def filled(lake: Lake, tmp_path: Path) -> Lake:
    ingest_path(write_csv(tmp_path / "a.csv", records(400)), source="bank", kind="statement",
                lake=lake)
    return lake


def test_records_after_the_copy_are_read_too(filled: Lake, tmp_path: Path) -> None:
    writer.write_copy(filled)
    as_of = datetime(2025, 6, 1, tzinfo=UTC)
    before = len(person_rows(filled, "statement", as_of, "P7"))
    new = [record("statement", record_id=f"n{i}", person_id="P7",
                  reported_at="2025-05-02T00:00:00Z") for i in range(3)]
    ingest_path(write_csv(tmp_path / "new.csv", new), source="bank", kind="statement",
                lake=filled)
    assert by_person.person_rows(filled, "statement", "P7") is not None
    found = _sorted(person_rows(filled, "statement", as_of, "P7"))
    assert len(found) == before + 3
    assert found == _without_copy(filled, "statement", as_of, "P7")


def test_a_copy_whose_files_left_the_lake_is_not_used(filled: Lake, tmp_path: Path) -> None:
    ingest_path(write_csv(tmp_path / "b.csv", records(60, prefix="q")), source="shop",
                kind="statement", lake=filled)
    writer.write_copy(filled)
    assert by_person.person_rows(filled, "statement", "P3") is not None
    assert filled.compact() > 0  # the copied files are replaced by their merge
    assert by_person.person_rows(filled, "statement", "P3") is None
    as_of = datetime(2025, 6, 1, tzinfo=UTC)
    assert _sorted(person_rows(filled, "statement", as_of, "P3")) == \
        _without_copy(filled, "statement", as_of, "P3")
    writer.write_copy(filled)  # written again, it is used again
    assert by_person.person_rows(filled, "statement", "P3") is not None


@pytest.mark.parametrize("damage", ["manifest", "file", "half-written"])
def test_a_damaged_copy_is_not_used(filled: Lake, damage: str) -> None:
    report = writer.write_copy(filled)
    if damage == "manifest":
        (report.path / by_person.MANIFEST).write_text('{"kinds": {"statement": ')
    elif damage == "file":
        next((report.path / "statement").glob("*.parquet")).write_bytes(b"PAR1 not parquet")
    else:  # a copy whose writer died before its manifest: never a candidate
        (report.path / by_person.MANIFEST).unlink()
    assert by_person.person_rows(filled, "statement", "P3") is None
    as_of = datetime(2025, 6, 1, tzinfo=UTC)
    assert _sorted(person_rows(filled, "statement", as_of, "P3")) == \
        _without_copy(filled, "statement", as_of, "P3")


def test_the_newest_copy_is_read_and_old_ones_go(filled: Lake) -> None:
    first = writer.write_copy(filled)
    unchanged = writer.write_copy(filled)  # the lake has not changed: kept
    assert first.written and not unchanged.written and unchanged.path == first.path
    second = writer.write_copy(filled, again=True).path
    third = writer.write_copy(filled, again=True).path
    assert not first.path.exists() and second.exists() and third.exists()
    manifest = json.loads((third / by_person.MANIFEST).read_text())
    assert manifest["lake_version"] == filled.state().version
    assert by_person.person_rows(filled, "statement", "P3") is not None


def test_an_empty_lake_copies_nothing(lake: Lake) -> None:
    report = writer.write_copy(lake)
    assert report.records == {}
    assert by_person.person_rows(lake, "statement", "P1") is None


def test_a_file_removed_while_copying_is_a_clear_error(filled: Lake,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    victim = filled.files("statement")[0]
    real = writer._copy_kind

    def compaction_meanwhile(*args: object) -> object:
        victim.unlink()
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "_copy_kind", compaction_meanwhile)
    with pytest.raises(CredoError, match="went away while it was copied"):
        writer.write_copy(filled)
    assert not any(p.name.startswith(".writing") for p in by_person.copies_dir(filled).iterdir())


def _credo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "credo", *args], capture_output=True,
                          text=True, timeout=300)


def copy_of_json(lake: Lake) -> ByPersonCopyOut | None:
    shown = _credo("lake", "--lake", str(lake.root), "--json")
    assert shown.returncode == 0, shown.stderr
    return LakeOut.model_validate_json(shown.stdout).by_person


def test_a_lake_without_a_copy_says_so_in_json(filled: Lake) -> None:
    assert copy_of_json(filled) is None


def test_the_command_copies_once_per_lake_version(filled: Lake, tmp_path: Path) -> None:
    run = _credo("lake", "--lake", str(filled.root), "--by-person")
    assert run.returncode == 0, run.stderr
    assert "copied in person order: 400 records of 1 kinds" in run.stderr
    again = _credo("lake", "--lake", str(filled.root), "--by-person")
    assert again.returncode == 0 and "kept" in again.stderr
    assert len([p for p in by_person.copies_dir(filled).iterdir() if p.is_dir()]) == 1
    copied = filled.state().version
    shown = _credo("lake", "--lake", str(filled.root))
    assert f"copy in person order: of lake version {copied}" in shown.stdout
    assert copy_of_json(filled) == ByPersonCopyOut(lake_version=copied, files_since=0,
                                                   not_held=[], write_again=False)
    ingest_path(write_csv(tmp_path / "more.csv", records(30, prefix="m")), source="shop",
                kind="statement", lake=filled)
    shown = _credo("lake", "--lake", str(filled.root)).stdout
    assert "1 file(s) added since are read beside it" in shown
    assert "after the month's records arrive: credo lake --by-person" in shown
    assert copy_of_json(filled) == ByPersonCopyOut(lake_version=copied, files_since=1,
                                                   not_held=[], write_again=True)
    filled.compact()
    shown = _credo("lake", "--lake", str(filled.root)).stdout
    assert "statement no longer held (files compacted): credo lake --by-person" in shown
    assert copy_of_json(filled) == ByPersonCopyOut(lake_version=copied, files_since=0,
                                                   not_held=["statement"], write_again=True)
    # A lake that is not one: a clear error, no copy, no traceback.
    (tmp_path / "file").write_text("x")
    bad = _credo("lake", "--lake", str(tmp_path / "file"), "--by-person")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "is a file, not a folder" in bad.stderr


def test_one_writer_at_a_time_and_a_dead_writer_leaves_nothing(filled: Lake) -> None:
    root = by_person.copies_dir(filled)
    root.mkdir()
    stale = root / ".writing-00000001-dead"
    (stale / "statement").mkdir(parents=True)
    (stale / "statement" / "data_0.parquet").write_bytes(b"half")
    with (root / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(CredoError, match="another copy in person order"):
            writer.write_copy(filled)
    report = writer.write_copy(filled)
    assert report.written and not stale.exists()
    assert [p.name for p in root.iterdir() if p.is_dir()] == [report.path.name]


class _Recorder:
    def __init__(self) -> None:
        self.stages: list[str] = []
        self.counts: list[tuple[int, int | None]] = []

    def stage(self, name: str, total: int | None = None, unit: str = "") -> None:
        self.stages.append(name)

    def count(self, done: int, total: int | None = None) -> None:
        self.counts.append((done, total))

    def step(self, note: str = "") -> None:
        return None

    def close(self) -> None:
        return None


def test_progress_is_reported_per_kind(world_lake: Lake) -> None:
    recorder = _Recorder()
    writer.write_copy(world_lake, progress=recorder, again=True)
    assert recorder.stages == [f"ordering {k} records by person" for k in KINDS]
    assert recorder.counts.count((100, 100)) >= len(KINDS)
    assert all(0 <= done <= 100 and total == 100 for done, total in recorder.counts)


def test_a_copy_that_goes_away_while_in_use_is_no_error(filled: Lake) -> None:
    as_of = datetime(2025, 6, 1, tzinfo=UTC)
    report = writer.write_copy(filled)
    assert by_person.person_rows(filled, "statement", "P3") is not None  # opened, kept
    for data in (report.path / "statement").glob("*.parquet"):
        data.write_bytes(b"PAR1 cut short")  # as a disk fault or a deletion would leave it
    assert by_person.person_rows(filled, "statement", "P3") is None
    assert _sorted(person_rows(filled, "statement", as_of, "P3")) == \
        _without_copy(filled, "statement", as_of, "P3")
    assert writer.write_copy(filled, again=True).written  # a newer copy is used again
    assert by_person.person_rows(filled, "statement", "P3") is not None


def test_a_lake_file_without_person_ranges_after_the_copy_is_read_the_usual_way(
        filled: Lake, tmp_path: Path) -> None:
    writer.write_copy(filled)
    as_of = datetime(2025, 6, 1, tzinfo=UTC)
    new = [record("statement", record_id=f"s{i}", person_id="P9",
                  reported_at="2025-05-03T00:00:00Z") for i in range(2)]
    before = set(filled.files("statement"))
    ingest_path(write_csv(tmp_path / "new.csv", new), source="bank", kind="statement",
                lake=filled)
    added = next(f for f in filled.files("statement") if f not in before)
    table = pq.read_table(added)
    pq.write_table(table, added, write_statistics=False)  # as another writer might
    assert by_person.person_rows(filled, "statement", "P9") is None
    found = _sorted(person_rows(filled, "statement", as_of, "P9"))
    assert {"s0", "s1"} <= {r["record_id"] for r in found}
    assert found == _without_copy(filled, "statement", as_of, "P9")
