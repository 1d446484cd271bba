"""File layout for person lookups: every file the lake writes is ordered by person_id in
modest row groups, and a person's lookup returns exactly what filtering everything gives."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from credo.data import lake_writer
from credo.data import schemas as sc
from credo.data.ingest import ingest_path, ingest_table
from credo.data.lake import Lake, PersonRange

from .conftest import record, write_csv

# DuckDB writes row groups in whole vectors of 2,048 rows; a file needs more to split.
GROUP = 2048
PEOPLE = 37
HOSTILE = ["' OR 1=1 --", "'; DROP TABLE statement; --", "P%", "%", "P_", "\"P1\"",
           "P1\\", "P1'", "Pé", "人", "P1\x00", "", " P1", "P1 "]


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lake_writer, "ROW_GROUP_ROWS", GROUP)


def statements(n: int, *, prefix: str = "r", month: str = "2025-03", day0: int = 0) -> list[dict]:
    """``n`` statements of ``PEOPLE`` people, interleaved (never in person order)."""
    return [
        record("statement", record_id=f"{prefix}{i:05d}", person_id=f"P{(i * 7) % PEOPLE}",
               reported_at=f"{month}-{1 + (day0 + i) % 28:02d}T{i % 24:02d}:00:00Z")
        for i in range(n)
    ]


def file_people(path: Path) -> list[str]:
    return pq.read_table(path, columns=["person_id"]).column("person_id").to_pylist()


def assert_layout(lake: Lake, kind: str = "statement") -> None:
    """Each file ordered by person_id; a file with more rows than a group has several."""
    files = lake.files(kind)
    assert files
    assert any(pq.read_metadata(f).num_rows > GROUP for f in files)
    for f in files:
        people = file_people(f)
        assert people == sorted(people), f
        meta = pq.read_metadata(f)
        assert meta.num_row_groups == -(-meta.num_rows // GROUP), f


def bulk(lake: Lake, rows: list[dict], source: str = "sim") -> None:
    with lake.writer() as w:
        ingest_table(pa.Table.from_pylist(rows), source=source, kind="statement", writer=w,
                     dedup=False)
        w.commit()


@pytest.mark.parametrize("month_ordered", [True, False])
def test_bulk_files_are_ordered_by_person_stably(lake: Lake, month_ordered: bool) -> None:
    rows = statements(3000) + statements(2500, prefix="s", month="2025-04")
    if not month_ordered:  # the month re-sort path, not the fast path
        rows = rows[::-1]
    bulk(lake, rows)
    assert_layout(lake)
    assert len(lake.files("statement")) == 2
    given = [r["record_id"] for r in rows]
    for f in lake.files("statement"):
        t = pq.read_table(f, columns=["person_id", "record_id"]).to_pylist()
        for person in {r["person_id"] for r in t}:
            mine = [r["record_id"] for r in t if r["person_id"] == person]
            assert mine == sorted(mine, key=given.index)  # a person's rows keep their order


def test_ingested_files_are_ordered_by_person(lake: Lake, tmp_path: Path) -> None:
    rows = statements(3000) + statements(100, prefix="s", month="2025-04")
    ingest_path(write_csv(tmp_path / "a.csv", rows), source="bank", kind="statement", lake=lake)
    assert_layout(lake)
    # Corrections and new records in a second ingest (the classifying path).
    fixes = [dict(r, amount_paid="1", reported_at="2025-05-02T00:00:00Z") for r in rows[:2500]]
    ingest_path(write_csv(tmp_path / "b.csv", fixes), source="bank", kind="statement",
                lake=lake)
    assert_layout(lake)
    assert lake.table("statement").count().execute() == 3100
    assert lake.table("statement", history=True).count().execute() == 5600


def test_compacted_files_are_ordered_by_person(lake: Lake, tmp_path: Path) -> None:
    for i in range(3):
        rows = statements(1000, prefix=f"f{i}-", day0=i)
        ingest_path(write_csv(tmp_path / f"{i}.csv", rows), source="bank", kind="statement",
                    lake=lake)
    before = pa.concat_tables(pq.read_table(f) for f in sorted(lake.files("statement")))
    order_before = {p: before.filter(pc.equal(before["person_id"], p))["record_id"].to_pylist()
                    for p in set(before["person_id"].to_pylist())}
    assert lake.compact() == 3
    [f] = lake.files("statement")
    assert_layout(lake)
    after = pq.read_table(f)
    assert after.num_rows == 3000
    assert sorted(after["record_id"].to_pylist()) == sorted(before["record_id"].to_pylist())
    for person, ids in order_before.items():  # stable: file by file, row by row
        assert after.filter(pc.equal(after["person_id"], person))["record_id"].to_pylist() == ids


def rows_of(t: ibis.Table, kind: str = "statement") -> list[dict]:
    out = t.to_pyarrow().select(sc.field_names(kind)).to_pylist()
    return sorted(out, key=lambda r: (r["source_id"], r["record_id"], r["reported_at"]))


def test_person_lookup_is_the_filtered_table(lake: Lake, tmp_path: Path) -> None:
    bulk(lake, statements(3000) + statements(2500, prefix="s", month="2025-04"))
    # Another source with record ids that do not follow person ids at all.
    other = [dict(r, record_id=f"z{9999 - i}") for i, r in enumerate(statements(2200))]
    ingest_path(write_csv(tmp_path / "o.csv", other), source="other", kind="statement",
                lake=lake)
    fixes = [
        # A record that was P0's is moved to P2 by a correction; one of P7's moves to P1.
        record("statement", record_id="r00000", person_id="P2", amount_paid="1",
               reported_at="2025-05-01T00:00:00Z"),
        record("statement", record_id="r00001", person_id="P1", amount_paid="2",
               reported_at="2025-05-01T00:00:00Z"),
        # A record corrected twice: the person's latest version only.
        record("statement", record_id="r00002", person_id="P14", amount_paid="3",
               reported_at="2025-05-01T00:00:00Z"),
        record("statement", record_id="r00002", person_id="P14", amount_paid="4",
               reported_at="2025-05-03T00:00:00Z"),
    ]
    ingest_path(write_csv(tmp_path / "fix.csv", fixes), source="sim", kind="statement",
                lake=lake)
    lake.compact()
    assert_layout(lake)

    people = [f"P{i}" for i in range(PEOPLE)] + ["P99", "nobody", *HOSTILE]
    as_of = datetime(2025, 4, 15, tzinfo=UTC)
    # Both ways of reading a person: every month (a file may hold later versions), and
    # until the corrections' month (each record stored once: one scan).
    assert lake.state().versioned_of_kind("statement")
    assert not lake.state().versioned_of_kind("statement", "2025-04")
    for kw in ({}, {"history": True}, {"as_of": as_of}, {"as_of": as_of, "history": True}):
        everyone = lake.table("statement", **kw)
        for person in people:
            expected = rows_of(everyone.filter(everyone.person_id == person))
            assert rows_of(lake.table("statement", person_id=person, **kw)) == expected, (
                person, kw)

    def ids(person: str, **kw) -> list[str]:
        t = lake.table("statement", person_id=person, **kw).to_pyarrow()
        return sorted(t["record_id"].to_pylist())

    assert "r00000" not in ids("P0") and "r00000" in ids("P0", history=True)
    assert "r00000" in ids("P2") and "r00001" in ids("P1") and "r00001" not in ids("P7")
    [latest] = lake.table("statement", person_id="P14").filter(
        ibis._.record_id == "r00002").to_pyarrow().to_pylist()
    assert latest["amount_paid"] == 4
    for person in ["P99", "nobody", *HOSTILE]:
        assert ids(person) == [] and ids(person, history=True) == []


def _moved_lake(lake: Lake, tmp_path: Path, *, compact: bool) -> None:
    """Bulk records, a second source, and corrections that move records between people
    far apart in id order (and one corrected twice), compacted or not."""
    bulk(lake, statements(3000) + statements(2500, prefix="s", month="2025-04"))
    other = [dict(r, record_id=f"z{9999 - i}") for i, r in enumerate(statements(900))]
    ingest_path(write_csv(tmp_path / "o.csv", other), source="other", kind="statement",
                lake=lake)
    fixes = [
        record("statement", record_id="r00000", person_id="P36", amount_paid="1",
               reported_at="2025-05-01T00:00:00Z"),
        record("statement", record_id="r00001", person_id="P1", amount_paid="2",
               reported_at="2025-05-01T00:00:00Z"),
        record("statement", record_id="r00003", person_id="P20", amount_paid="3",
               reported_at="2025-05-01T00:00:00Z"),
        record("statement", record_id="r00003", person_id="P21", amount_paid="4",
               reported_at="2025-05-03T00:00:00Z"),
    ]
    ingest_path(write_csv(tmp_path / "fix.csv", fixes), source="sim", kind="statement",
                lake=lake)
    if compact:
        lake.compact()


@pytest.mark.parametrize("compact", [False, True])
def test_person_ranges_are_the_filtered_table(lake: Lake, tmp_path: Path, compact: bool) -> None:
    """Reading people range by range gives, together, exactly everyone's latest records,
    corrections that moved a record from one range to another included (before and
    after compaction merges the corrections into the bulk files)."""
    _moved_lake(lake, tmp_path, compact=compact)
    assert lake.state().versioned  # the corrections' files (or what compaction made)
    people = sorted(f"P{i}" for i in range(PEOPLE))
    as_of = datetime(2025, 5, 2, tzinfo=UTC)
    for cuts in ([], ["P2"], ["P1", "P20", "P3"], people[1::3]):
        bounds = [None, *cuts, None]
        ranges = [PersonRange(a, b) for a, b in itertools.pairwise(bounds)]
        for kw in ({}, {"as_of": as_of}, {"history": True}):
            everyone = rows_of(lake.table("statement", **kw))
            pieces = [rows_of(lake.table("statement", people=r, **kw)) for r in ranges]
            together = [row for piece in pieces for row in piece]
            assert sorted(together, key=_key) == everyone, (cuts, kw)
            for r, piece in zip(ranges, pieces, strict=True):
                assert all((r.first is None or x["person_id"] >= r.first)
                           and (r.end is None or x["person_id"] < r.end) for x in piece)


def test_a_lake_of_records_stored_once_marks_no_file(lake: Lake) -> None:
    bulk(lake, statements(3000))
    assert lake.state().files and not lake.state().versioned


def _key(r: dict) -> tuple:
    return (r["source_id"], r["record_id"], r["reported_at"])


def test_empty_lake_lookup(lake: Lake) -> None:
    for person in ["P1", *HOSTILE]:
        assert lake.table("statement", person_id=person).to_pyarrow().num_rows == 0


@pytest.mark.parametrize("kind", ["account", "statement"])
def test_compaction_keeps_columns_and_kind(lake: Lake, tmp_path: Path, kind: str) -> None:
    """The folders' kind=... and report_month=... are not columns of the merged file."""
    for i in range(2):
        rows = [record(kind, record_id=f"x{i}", account_id=f"A{i}")]
        ingest_path(write_csv(tmp_path / f"{i}.csv", rows), source="bank", kind=kind,
                    lake=lake)
    before = rows_of(lake.table(kind), kind)
    assert lake.compact() == 2
    [f] = lake.files(kind)
    assert pq.read_schema(f).names == sc.lake_schema(kind).names
    assert rows_of(lake.table(kind), kind) == before
