"""One person's records of a kind, read many times over: the lake's query compiled once.

Which records are a person's is said in one place, ``Lake.table(kind, as_of=...,
person_id=...)``. Building and compiling that expression costs about half as much again
as running it on the row groups that can hold one person, and a request pays it for five
kinds. While the log shows that a kind's records are each stored once
(:meth:`Lake.stores_once`), the expression is the same for everyone but for the id, so
it is compiled once per lake version, kind and date with a stand-in id, which becomes the
statement's parameter, on a connection the thread keeps until the lake's next version
(with DuckDB's cache of Parquet footers on). Otherwise ``Lake.table`` reads the person
as it always does.

Where the lake has a copy in person order (:mod:`credo.data.by_person`) that still holds
every file of the kind, the person's stored rows come from it (a row group or two
instead of one per month's file). While no file can hold a later version of a record
stored elsewhere, ``Lake.person_known`` keeps those known at T, latest version of each,
in memory (a statement cost 7-12 ms a kind, that a tenth of one); otherwise the same
compiled statement runs over them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import sqlglot.expressions as sge

from credo.data import by_person
from credo.data.duckdb_connection import open_ibis_duckdb
from credo.data.lake import Lake
from credo.data.lake_log import month_of
from credo.data.schemas import lake_schema

# No person id is this (identifiers hold no control character), so the one literal of
# the compiled query equal to it is the person's.
_STAND_IN = "\x00person"
_PARAMETER = "person"


@dataclass
class _Kept:
    """A thread's connection to one version of a lake and the statements compiled on it
    (the views they read live on the connection, so both go when the version does)."""

    version: int
    con: Any  # an Ibis DuckDB backend
    statements: dict[tuple[str, datetime, bool], str] = field(default_factory=dict)
    nothing: dict[tuple[str, datetime, bool], pa.Table] = field(default_factory=dict)


_local = threading.local()


def person_rows(lake: Lake, kind: str, as_of: datetime, person_id: str) -> pa.Table:
    """The person's records of ``kind`` known before ``as_of``, latest version of each:
    the rows of ``lake.table(kind, as_of=as_of, person_id=person_id)``."""
    if not lake.stores_once(kind, as_of) or not lake.has_files(kind, until_month=month_of(as_of)):
        con = open_ibis_duckdb(threads=1)
        try:
            return lake.table(kind, as_of=as_of, person_id=person_id, con=con).to_pyarrow()
        finally:
            con.disconnect()
    stored = by_person.person_rows(lake, kind, person_id, month_of(as_of))
    if stored is not None:
        known = lake.person_known(kind, as_of, person_id, stored)
        if known is not None:
            return known
    kept = _kept(lake)
    key = (kind, as_of, stored is not None)
    if key not in kept.statements:
        rows = None if stored is None else ibis.table(lake_schema(kind), name=_rows_name(kind))
        kept.statements[key] = _parameterised(kept.con, lake.table(
            kind, as_of=as_of, person_id=_STAND_IN, con=kept.con, rows=rows))
    con = kept.con.con
    if stored is None:
        return con.sql(kept.statements[key], params={_PARAMETER: person_id}).to_arrow_table()
    if not stored.num_rows and key in kept.nothing:  # no row about them: none is theirs
        return kept.nothing[key]
    con.register(_rows_name(kind), stored)
    try:
        found = con.sql(kept.statements[key], params={_PARAMETER: person_id}).to_arrow_table()
    finally:
        con.unregister(_rows_name(kind))
    if not stored.num_rows:
        kept.nothing[key] = found
    return found


def _rows_name(kind: str) -> str:
    return f"credo_person_{kind}"


def _kept(lake: Lake) -> _Kept:
    """This thread's connection for the lake's current version (a new version closes the
    connection of the previous one, and with it what was compiled there)."""
    by_root: dict[Path, _Kept] = _local.__dict__.setdefault("by_root", {})
    version = lake.state().version
    kept = by_root.get(lake.root)
    if kept is None or kept.version != version:
        if kept is not None:
            kept.con.disconnect()
        # One thread: the few row groups that can hold one person are little work.
        con = open_ibis_duckdb(threads=1)
        con.con.execute("SET parquet_metadata_cache = true")  # files never change
        kept = by_root[lake.root] = _Kept(version, con)
    return kept


def _parameterised(con: Any, expr: Any) -> str:
    """The expression's SQL with the stand-in id as the statement's parameter."""
    replaced = 0

    def swap(node: sge.Expression) -> sge.Expression:
        nonlocal replaced
        if isinstance(node, sge.Literal) and node.is_string and node.this == _STAND_IN:
            replaced += 1
            return sge.Placeholder(this=_PARAMETER)
        return node

    sql = con.compiler.to_sqlglot(expr).transform(swap).sql(dialect="duckdb")
    if not replaced:  # the lake's query no longer names the person as a literal
        raise AssertionError("the person's query has no person id to make a parameter")
    return sql
