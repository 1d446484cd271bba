"""The feature table of records held in memory (a person's, as scenarios change them),
computed with the query prepared once per thread and as-of date.

The query is the feature table's definitions (:func:`credo.features.table.feature_table`)
compiled to SQL once per date: compiling them costs far more than running them on a few
people's records. Each thread keeps one in-process DuckDB connection with the query
prepared on it and a table per record kind, which a request fills, so that
it neither opens a database nor parses the query again (the rows go in within a
transaction that is rolled back once the query has run).

A request needs only the columns the champion reads (some twenty of the catalogue's
features and the default status), and with DuckDB's optimiser off here (below) every
feature and helper column would be carried through every join of the query. So the query
is compiled for the columns asked for, and every column no outer query reads is removed
from its subqueries once, at compile time (SQLGlot's projection pushdown): the SQL is a
third of its size and runs in about two thirds of the time, to the same values (a test
holds the two to each other).

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
import sqlglot
from ibis.backends.sql.datatypes import DuckDBType
from sqlglot.optimizer.pushdown_projections import pushdown_projections
from sqlglot.optimizer.qualify import qualify

from credo.data.duckdb_connection import open_duckdb
from credo.data.schemas import KINDS, record_schema
from credo.features.table import FEATURE_TABLE_COLUMNS, feature_table
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
def feature_sql(day: date, columns: tuple[str, ...] = FEATURE_TABLE_COLUMNS) -> str:
    """The feature table's query as of ``day`` over the five record kinds, ``columns``
    of it, compiled once from the same definitions the run executes, with what no outer
    query reads left out of its subqueries."""
    if "person_id" not in columns:
        raise ValueError("a feature query's rows need the person's id")
    tables = {kind: ibis.table(ibis.schema(record_schema(kind)), name=table_name(kind))
              for kind in KINDS}
    # Parsed from the SQL text, not taken from Ibis's tree: that tree shares nodes
    # between the places that read one subquery, which the pushdown would prune as one.
    sql = ibis.to_sql(feature_table(tables, day).select(*columns), dialect="duckdb")
    tree = sqlglot.parse_one(str(sql), read="duckdb")
    schema = {table_name(kind): {name: DuckDBType.to_string(dtype)
                                 for name, dtype in ibis.schema(record_schema(kind)).items()}
              for kind in KINDS}
    # Qualifying names every column by its table (stars expanded from the record
    # schemas), which the pushdown needs to know what each subquery's reader reads.
    qualified = qualify(tree, dialect="duckdb", schema=schema, quote_identifiers=True)
    return pushdown_projections(qualified).sql(dialect="duckdb")


class _Prepared:
    """One thread's connection, its tables of records, and the queries (a date and its
    columns) prepared on it (oldest use first, so the least recently used one is
    deallocated)."""

    def __init__(self) -> None:
        self.con: duckdb.DuckDBPyConnection = open_duckdb(threads=1)
        self.con.execute("PRAGMA disable_optimizer")  # see the module's note
        for kind in KINDS:
            self.con.from_arrow(record_schema(kind).empty_table()).create(table_name(kind))
        self.threads = 1
        self.queries: OrderedDict[tuple[date, tuple[str, ...]], str] = OrderedDict()
        self.named = 0

    def statement(self, day: date, columns: tuple[str, ...]) -> str:
        """The name of the query of ``columns`` as of ``day``, prepared now if it is not."""
        key = (day, columns)
        if key in self.queries:
            self.queries.move_to_end(key)
            return self.queries[key]
        self.named += 1
        name = f"credo_features_{day:%Y%m%d}_{self.named}"
        self.con.execute(f"PREPARE {name} AS {feature_sql(day, columns)}")
        self.queries[key] = name
        if len(self.queries) > PREPARED_DAYS:
            _, oldest = self.queries.popitem(last=False)
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


_local = threading.local()


def _prepared() -> _Prepared:
    if not hasattr(_local, "prepared"):
        _local.prepared = _Prepared()
    return _local.prepared


def prepare(days: Sequence[date], columns: Sequence[str] = FEATURE_TABLE_COLUMNS) -> None:
    """Prepare the query of ``columns`` as of each of ``days`` on this thread's
    connection, ahead of the first request that needs it (which would otherwise wait a
    second or more)."""
    prepared = _prepared()
    for day in days:
        prepared.statement(day, tuple(columns))


def features_of(tables: dict[str, pa.Table], day: date,
                columns: Sequence[str] = FEATURE_TABLE_COLUMNS) -> pa.Table:
    """The feature table as of ``day`` of the records in ``tables`` (one per kind,
    typed by the record contract), a row per person, as the monthly run computes it:
    ``columns`` of it (``person_id`` among them), by default all."""
    prepared = _prepared()
    prepared.use_threads(sum(t.num_rows for t in tables.values()))
    name = prepared.statement(day, tuple(columns))
    # The rows go in within a transaction that is rolled back: the connection outlives
    # the request and keeps no row of it, even of a failed one (a rollback also costs
    # less than emptying the tables).
    prepared.con.execute("BEGIN")
    try:
        prepared.fill(tables)
        result = prepared.con.sql(f"EXECUTE {name}").to_arrow_table()
    finally:
        prepared.con.execute("ROLLBACK")
    return normalise_features(result)
