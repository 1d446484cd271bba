"""The feature query prepared once per thread and date computes what the feature table's
definitions compute on the same records, on every date, from any thread and in any
time zone, and keeps no records once it has answered."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
import sqlglot.expressions as sge

from credo.config import Settings
from credo.data.schemas import KINDS, record_schema
from credo.features.engines import DuckDBEngine
from credo.features.table import FEATURE_TABLE_COLUMNS, feature_table
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


# A few features of each record pass, the ratio across kinds, and the default status.
SOME_COLUMNS = ("person_id", "late30_12m", "accounts_opened_12m", "income_monthly_6m",
                "id_verified", "bankruptcies", "debt_service_to_income",
                "default_status")


def test_a_query_of_some_columns_gives_their_values_and_computes_no_other(tables):
    missing = set(SOME_COLUMNS) - set(FEATURE_TABLE_COLUMNS)
    assert not missing  # the catalogue still has them: the test asks for real columns
    for day in (RUN_AS_OF, add_months(RUN_AS_OF, 6)):
        found = variant_features.features_of(tables, day, SOME_COLUMNS)
        assert found.column_names == list(SOME_COLUMNS)
        assert found.to_pylist() == by_definitions(tables, day).select(SOME_COLUMNS).to_pylist()
    tree = sqlglot.parse_one(variant_features.feature_sql(RUN_AS_OF, SOME_COLUMNS),
                             read="duckdb")
    named = {alias.alias for alias in tree.find_all(sge.Alias)}
    left_out = set(FEATURE_TABLE_COLUMNS) - set(SOME_COLUMNS)
    assert named & set(SOME_COLUMNS) == set(SOME_COLUMNS)
    assert not named & left_out  # no subquery computes a column no one reads


def test_a_query_without_the_person_id_is_refused(tables):
    with pytest.raises(ValueError, match="person"):
        variant_features.features_of(tables, RUN_AS_OF, ("late30_12m",))


def kept_rows() -> dict[str, int]:
    con = variant_features._prepared().con  # this thread's connection
    return {kind: con.execute(f"SELECT count(*) FROM {variant_features.table_name(kind)}")
            .fetchall()[0][0] for kind in KINDS}


def test_no_records_are_kept_after_an_answer(tables):
    variant_features.features_of(tables, RUN_AS_OF)
    assert kept_rows() == dict.fromkeys(KINDS, 0)


def test_a_failed_answer_keeps_no_records_and_the_next_is_right(tables):
    broken = {**tables, "identity": tables["identity"].drop_columns(["occurred_at"])}
    with pytest.raises(KeyError):
        variant_features.features_of(broken, RUN_AS_OF)
    assert kept_rows() == dict.fromkeys(KINDS, 0)  # the kinds before it went in first
    found = variant_features.features_of(tables, RUN_AS_OF)
    assert found.to_pylist() == by_definitions(tables, RUN_AS_OF).to_pylist()


def test_the_query_takes_no_part_of_a_time_zoned_instant():
    # DuckDB binds a prepared query again at every execution when a function of a
    # time zone (EXTRACT, DATE_TRUNC, DATE_DIFF... of a TIMESTAMPTZ) is in it, which
    # cost more than the execution: instants are only compared, ordered, or made days.
    instants = {field.name for kind in KINDS for field in record_schema(kind)
                if pa.types.is_timestamp(field.type) and field.type.tz is not None}
    assert instants  # the contract has them: the check below looks at something
    tree = sqlglot.parse_one(variant_features.feature_sql(RUN_AS_OF), read="duckdb")
    used = [column.parent for column in tree.find_all(sge.Column) if column.name in instants]
    assert used
    for parent in used:
        made_a_day = isinstance(parent, sge.Cast) and parent.to.is_type("date")
        assert made_a_day or not isinstance(parent, sge.Func), parent.sql("duckdb")


_IN_ANOTHER_ZONE = """
import sys
from datetime import date
import pyarrow.parquet as pq
from credo.data.schemas import KINDS
from credo.pipeline.variant_features import features_of
folder, day = sys.argv[1], date.fromisoformat(sys.argv[2])
tables = {kind: pq.read_table(f"{folder}/{kind}.parquet") for kind in KINDS}
pq.write_table(features_of(tables, day), f"{folder}/features.parquet")
"""


def test_days_are_utc_days_on_a_machine_in_another_time_zone(tables, tmp_path):
    # A transaction at 20:00 UTC the day before the score's date happened before it;
    # in Shanghai it is already that date, which the features must not follow.
    evening = datetime.combine(RUN_AS_OF - timedelta(days=1), time(20), tzinfo=UTC)
    moved = tables["transaction"].slice(0, 1)
    field = moved.schema.field("occurred_at")
    moved = moved.set_column(moved.schema.get_field_index("occurred_at"), field,
                             pa.array([evening], field.type))
    with_evening = {**tables, "transaction": pa.concat_tables([tables["transaction"], moved])}
    expected = by_definitions(with_evening, RUN_AS_OF).to_pylist()
    assert expected != by_definitions(tables, RUN_AS_OF).to_pylist()  # it counts
    for kind, table in with_evening.items():
        pq.write_table(table, tmp_path / f"{kind}.parquet")
    subprocess.run([sys.executable, "-c", _IN_ANOTHER_ZONE, str(tmp_path), str(RUN_AS_OF)],
                   env={**os.environ, "TZ": "Asia/Shanghai"}, check=True)
    assert pq.read_table(tmp_path / "features.parquet").to_pylist() == expected


def test_threads_compute_at_once(tables):
    expected = by_definitions(tables, RUN_AS_OF)
    with ThreadPoolExecutor(3) as pool:
        found = list(pool.map(lambda _: variant_features.features_of(tables, RUN_AS_OF),
                              range(6)))
    assert all(table.to_pylist() == expected.to_pylist() for table in found)
