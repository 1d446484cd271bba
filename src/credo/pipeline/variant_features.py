"""The feature table of records held in memory (a person's, as scenarios change them),
computed with the query prepared once per thread and as-of date.

The query is the feature table's definitions (:func:`credo.features.table.feature_table`)
compiled to SQL once per date: compiling them costs far more than running them on a few
people's records. Each thread keeps one in-process DuckDB connection with the query
prepared on it and a table per record kind, which a request fills and empties, so that
it neither opens a database nor parses the 137 KB of SQL again.

DuckDB runs a prepared statement as it was planned only while nothing it reads changed
in the catalog: registering a request's records as new views, or taking parts of a
time-zoned instant (which the definitions avoid), has it bind the whole query again at
every execution, which cost more than executing it. The tables stay; only their rows
change. Its optimiser is off on this connection: on a few people's rows it spent twice
as long as the execution, to the same answer (the what-if parity test holds the feature
tables to ``credo run``'s).

This is DuckDB whatever the settings' engine (``CREDO_ENGINE``): the rows are a few
people's records already in memory and the answer is wanted while a request waits, which
a Spark job could not give; both engines compute the same features from the same
definitions (the engine parity test).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from credo.data.duckdb_connection import open_duckdb
from credo.data.schemas import KINDS, record_schema
from credo.features.table import feature_table
from credo.pipeline.scenarios import MAX_MONTHS
from credo.pipeline.tables import normalise_features
from credo.threads import threads_for

if TYPE_CHECKING:
    import duckdb

# Dates whose query is kept: the run's and each month a scenario may look ahead
# (compiling one date's query takes a second or more, so none is compiled twice).
PREPARED_DAYS = MAX_MONTHS + 1


def table_name(kind: str) -> str:
    return f"credo_what_if_{kind}"


@lru_cache(maxsize=PREPARED_DAYS)
def feature_sql(day: date) -> str:
    """The feature table's query as of ``day`` over the five record kinds, compiled once
    from the same definitions the run executes."""
    tables = {kind: ibis.table(ibis.schema(record_schema(kind)), name=table_name(kind))
              for kind in KINDS}
    return str(ibis.to_sql(feature_table(tables, day), dialect="duckdb"))


class _Prepared:
    """One thread's connection, its tables of records, and the days whose query is
    prepared on it (oldest use first, so the least recently used day is the one
    deallocated)."""

    def __init__(self) -> None:
        self.con: duckdb.DuckDBPyConnection = open_duckdb(threads=1)
        self.con.execute("PRAGMA disable_optimizer")  # see the module's note
        for kind in KINDS:
            self.con.from_arrow(record_schema(kind).empty_table()).create(table_name(kind))
        self.threads = 1
        self.days: OrderedDict[date, str] = OrderedDict()

    def statement(self, day: date) -> str:
        """The name of the query as of ``day``, prepared now if it is not."""
        if day in self.days:
            self.days.move_to_end(day)
            return self.days[day]
        name = f"credo_features_{day:%Y%m%d}"
        self.con.execute(f"PREPARE {name} AS {feature_sql(day)}")
        self.days[day] = name
        if len(self.days) > PREPARED_DAYS:
            _, oldest = self.days.popitem(last=False)
            self.con.execute(f"DEALLOCATE PREPARE {oldest}")
        return name

    def use_threads(self, rows: int) -> None:
        wanted = threads_for(rows)
        if wanted != self.threads:
            self.con.execute(f"SET threads = {wanted}")
            self.threads = wanted

    def fill(self, tables: dict[str, pa.Table]) -> None:
        for kind in KINDS:
            if tables[kind].num_rows:  # rows go in by position: the contract's order
                rows = tables[kind].select(record_schema(kind).names)
                self.con.from_arrow(rows).insert_into(table_name(kind))

    def empty(self) -> None:
        for kind in KINDS:
            self.con.execute(f"TRUNCATE {table_name(kind)}")


_local = threading.local()


def _prepared() -> _Prepared:
    if not hasattr(_local, "prepared"):
        _local.prepared = _Prepared()
    return _local.prepared


def prepare(days: Sequence[date]) -> None:
    """Prepare the query as of each of ``days`` on this thread's connection, ahead of
    the first request that needs it (which would otherwise wait a second or more)."""
    prepared = _prepared()
    for day in days:
        prepared.statement(day)


def features_of(tables: dict[str, pa.Table], day: date) -> pa.Table:
    """The feature table as of ``day`` of the records in ``tables`` (one per kind,
    typed by the record contract), a row per person, as the monthly run computes it."""
    prepared = _prepared()
    prepared.use_threads(sum(t.num_rows for t in tables.values()))
    name = prepared.statement(day)
    try:
        prepared.fill(tables)
        result = prepared.con.sql(f"EXECUTE {name}").to_arrow_table()
    finally:  # the connection outlives the request: keep no rows, even of a failed one
        prepared.empty()
    return normalise_features(result)
