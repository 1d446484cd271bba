"""A person's records read by the query compiled once are what ``Lake.table`` gives,
before and after a correction makes the lake store a record twice, and from any thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credo.data.ingest import ingest_path
from credo.data.lake import Lake
from credo.data.person_reads import person_rows

from .conftest import record, records, write_csv

AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
PEOPLE = [f"P{i}" for i in range(97)]
HOSTILE = ["' OR 1=1 --", "$person", "\x00person", "P1'", "P%", "", "人"]


def _sorted(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: (r["source_id"], r["record_id"]))


def _by_lake_table(lake: Lake, person: str) -> list[dict]:
    return _sorted(lake.table("statement", as_of=AS_OF, person_id=person).to_pyarrow())


def _filled(lake: Lake, tmp_path: Path) -> None:
    ingest_path(write_csv(tmp_path / "a.csv", records(400)), source="bank", kind="statement",
                lake=lake)
    ingest_path(write_csv(tmp_path / "b.csv", records(150, prefix="q")), source="shop",
                kind="statement", lake=lake)


def test_each_person_as_lake_table_gives_while_records_are_stored_once(
        lake: Lake, tmp_path: Path) -> None:
    _filled(lake, tmp_path)
    assert lake.stores_once("statement", AS_OF)
    for person in [*PEOPLE, "nobody", *HOSTILE]:
        assert _sorted(person_rows(lake, "statement", AS_OF, person)) == _by_lake_table(
            lake, person), person


def test_records_a_new_commit_adds_are_read(lake: Lake, tmp_path: Path) -> None:
    _filled(lake, tmp_path)
    before = len(person_rows(lake, "statement", AS_OF, "P7"))  # compiled, kept
    new = [record("statement", record_id=f"n{i}", person_id="P7",
                  reported_at="2025-05-02T00:00:00Z") for i in range(3)]
    ingest_path(write_csv(tmp_path / "new.csv", new), source="bank", kind="statement",
                lake=lake)
    assert lake.stores_once("statement", AS_OF)
    found = _sorted(person_rows(lake, "statement", AS_OF, "P7"))
    assert len(found) == before + 3 and found == _by_lake_table(lake, "P7")


def test_a_correction_that_moves_a_record_is_followed(lake: Lake, tmp_path: Path) -> None:
    _filled(lake, tmp_path)
    before = _sorted(person_rows(lake, "statement", AS_OF, "P5"))  # compiled, kept
    moved = record("statement", record_id="r5", person_id="P6", amount_paid="1",
                   reported_at="2025-04-01T00:00:00Z")
    ingest_path(write_csv(tmp_path / "fix.csv", [moved]), source="bank", kind="statement",
                lake=lake)
    assert not lake.stores_once("statement", AS_OF)
    after = {p: _sorted(person_rows(lake, "statement", AS_OF, p)) for p in ("P5", "P6")}
    assert "r5" in {r["record_id"] for r in before}
    assert "r5" not in {r["record_id"] for r in after["P5"]}
    assert any(r["record_id"] == "r5" and r["amount_paid"] == 1 for r in after["P6"])
    for person in ("P5", "P6"):
        assert after[person] == _by_lake_table(lake, person)


def test_threads_read_at_once(lake: Lake, tmp_path: Path) -> None:
    _filled(lake, tmp_path)
    expected = {p: _by_lake_table(lake, p) for p in PEOPLE[:24]}
    with ThreadPoolExecutor(4) as pool:
        found = dict(zip(expected, pool.map(
            lambda p: _sorted(person_rows(lake, "statement", AS_OF, p)), expected),
            strict=True))
    assert found == expected


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    lake = Lake(tmp_path_factory.mktemp("lake"))
    ingest_path(write_csv(tmp_path_factory.mktemp("in") / "a.csv", records(50)),
                source="bank", kind="statement", lake=lake)
    return lake


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=st.one_of(st.sampled_from(PEOPLE[:50]), st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)))
def test_any_id_is_a_value_never_sql(small_lake: Lake, person: str) -> None:
    assert _sorted(person_rows(small_lake, "statement", AS_OF, person)) == _by_lake_table(
        small_lake, person)
