"""The lake's committed state as a long-lived process sees it (the inbox worker ingests
push after push), and what a writer reads and deletes when it starts."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from credo.data.ingest import ingest_path
from credo.data.lake import Lake
from credo.data.lake_log import LakeState

from .conftest import record, records, write_csv


def ingest(lake: Lake, path: Path, source: str = "bank"):
    return ingest_path(path, source=source, kind="statement", lake=lake)


def seen(state: LakeState) -> tuple:
    return state.version, state.files, state.versioned


def correction(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "fix.csv", [record(
        "statement", record_id="r1", person_id="P1", amount_paid="4000",
        reported_at="2025-04-01T00:00:00Z")])


def test_a_lake_reads_only_the_commits_made_since_it_last_looked(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)))
    before = lake.state()
    other = Lake(lake.root)  # another process's view, writing meanwhile
    ingest(other, write_csv(tmp_path / "b.csv", records(4, prefix="s")))
    ingest(other, correction(tmp_path))  # a commit that supersedes: its files versioned
    # The commits this process saw are not read again (damaged here to prove it).
    first = lake.log_dir / "00000001.json"
    text = first.read_text()
    first.write_text("not a commit")
    after = lake.state()
    first.write_text(text)
    assert after.version == 3 and len(after.versioned) == 1
    assert before.version == 1 and not before.versioned  # what it returned is unchanged
    assert seen(after) == seen(Lake(lake.root).state())


def test_its_state_after_its_own_commits_is_the_log_replayed(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)))
    ingest(lake, correction(tmp_path))
    ingest(lake, write_csv(tmp_path / "c.csv", records(3, prefix="t")), source="shop")
    assert seen(lake.state()) == seen(Lake(lake.root).state())
    assert lake.state().version == 3


def test_a_log_that_is_not_the_one_it_saw_is_replayed_whole(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)))
    backup = tmp_path / "backup"
    shutil.copytree(lake.root, backup)
    ingest(lake, write_csv(tmp_path / "b.csv", records(4, prefix="s")))
    assert lake.state().version == 2
    shutil.rmtree(lake.root)  # restored from the backup: the log is shorter than seen
    shutil.copytree(backup, lake.root)
    assert seen(lake.state()) == seen(Lake(backup).state())
    assert lake.state().version == 1


def test_a_sources_records_are_checked_against_its_own_files(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)), source="bank1")
    ingest(lake, write_csv(tmp_path / "b.csv", records(5)), source="bank2")
    files = lake.files("statement", sources={"bank1"})
    assert files and all(
        set(lake.state().files[p.relative_to(lake.root).as_posix()].sources) == {"bank1"}
        for p in files)
    # A file whose sources the log does not name may hold anyone's: checked too.
    state = lake.state()
    unnamed = next(p for p, f in state.files.items() if "bank2" in f.sources)
    state.files[unnamed] = dataclasses.replace(state.files[unnamed], sources={})
    assert lake.root / unnamed in lake.files("statement", sources={"bank1"})
    # The same records again: each source's are its own duplicates.
    again = ingest(Lake(lake.root), write_csv(tmp_path / "a2.csv", records(5)), source="bank2")
    assert (again.accepted, again.duplicate) == (0, 5)
    new = ingest(lake, write_csv(tmp_path / "a3.csv", records(5)), source="bank3")
    assert (new.accepted, new.duplicate) == (5, 0)


def test_a_writer_deletes_what_no_commit_names_and_keeps_the_rest(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)))
    committed = sorted(lake.state().files)
    partition = (lake.root / committed[0]).parent
    strays = [partition / "part-killed-000001.parquet",
              lake.root / "kind=statement" / "report_month=2030-01" / "part-x.parquet",
              lake.root / "quarantine" / "ingest_month=2030-01" / "stray.parquet"]
    for stray in strays:
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_bytes(b"left by a killed writer")
    with lake.writer():
        pass
    assert not any(s.exists() for s in strays)
    assert all((lake.root / p).is_file() for p in committed)


def test_a_pinned_lake_answers_its_version_while_the_lake_moves_on(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)))
    pinned = lake.pinned()
    ingest(Lake(lake.root), write_csv(tmp_path / "b.csv", records(4, prefix="s")))
    assert pinned.state().version == 1 and lake.state().version == 2
    assert len(pinned.files("statement")) == 1 and len(lake.files("statement")) == 2
    # a read made through it sees one version from its first step to its last
    assert len(pinned.table("statement").to_pyarrow()) == 5
    assert pinned.connect() is lake.connect()  # no connection of its own to close


def test_a_kinds_files_are_found_once_per_state_and_handed_out_as_copies(
        lake: Lake, tmp_path: Path) -> None:
    ingest(lake, write_csv(tmp_path / "a.csv", records(5)))
    state = lake.state()
    first = state.of_kind("statement")
    first.clear()  # a caller changing its list changes no other caller's
    assert [f.path for f in state.of_kind("statement")] == list(state.files)
    assert state.of_kind("statement", "2000-01") == []
    assert state.of_kind("account") == []
