"""The feature query prepared once per thread and date computes what the feature table's
definitions compute on the same records, on every date and from any thread, and keeps
no records once it has answered."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import ibis
import pytest

from credo.config import Settings
from credo.data.schemas import KINDS
from credo.features.engines import DuckDBEngine
from credo.features.table import feature_table
from credo.pipeline import variant_features
from credo.pipeline.scenarios import add_months, to_tables
from credo.pipeline.tables import normalise_features
from credo.pipeline.whatif import people_records

from .conftest import RUN_AS_OF, World


@pytest.fixture(scope="module")
def tables(world: World) -> dict:
    """Twenty people's records as the run reads them, in one table per kind."""
    accounts = world.lake.table("account").to_pyarrow()
    people = sorted(set(accounts["person_id"].to_pylist()))[:20]
    settings = Settings(home=world.settings.home, lake_path=world.settings.lake)
    found = people_records(settings, people, RUN_AS_OF)
    merged = {kind: [r for person in found.values() for r in person[kind]] for kind in KINDS}
    return to_tables(merged)


def by_definitions(tables: dict, day: date):
    engine = DuckDBEngine(memory_limit="1GB")
    try:
        expr = feature_table({k: ibis.memtable(t) for k, t in tables.items()}, day)
        return normalise_features(engine.to_arrow(expr))
    finally:
        engine.close()


def test_every_date_gives_what_the_definitions_give(tables, monkeypatch):
    # Fewer kept dates than asked for, so that a date's statement is also dropped and
    # prepared again.
    monkeypatch.setattr(variant_features, "PREPARED_DAYS", 2)
    days = [add_months(RUN_AS_OF, months) for months in (0, 3, 6, 0, 12, 3)]
    for day in days:
        found = variant_features.features_of(tables, day)
        # The same values (DuckDB's sums come back wider than Ibis declares them).
        assert found.to_pylist() == by_definitions(tables, day).to_pylist(), day


def test_no_records_are_kept_after_an_answer(tables):
    variant_features.features_of(tables, RUN_AS_OF)
    con = variant_features._prepared().con  # this thread's connection
    kept = {name for (name,) in con.sql("SELECT view_name FROM duckdb_views()").fetchall()}
    assert not {variant_features.table_name(kind) for kind in KINDS} & kept


def test_threads_compute_at_once(tables):
    expected = by_definitions(tables, RUN_AS_OF)
    with ThreadPoolExecutor(3) as pool:
        found = list(pool.map(lambda _: variant_features.features_of(tables, RUN_AS_OF),
                              range(6)))
    assert all(table.to_pylist() == expected.to_pylist() for table in found)
