"""Feature and outcome tables of the population as of a date, from the event lake."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.config import Settings
from credo.data.lake import Lake, PersonRange
from credo.data.schemas import KINDS
from credo.errors import InputError
from credo.features.engines import Engine
from credo.features.table import STATUS_COLUMN, feature_table, outcome_table
from credo.outputs import write_atomically
from credo.progress import Step

Stage = Step  # a named stage of the month's work begins
OUTCOME_DAYS = 365


def parse_as_of(text: str, *, allow_future: bool = False) -> date:
    """An as-of date from YYYY-MM-DD (or YYYY-MM, meaning its first day)."""
    value = text.strip()
    try:
        day = date.fromisoformat(value + "-01" if len(value) == 7 else value)
    except ValueError:
        raise InputError(
            f"as-of date {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-01-01"
        ) from None
    if not allow_future and day > datetime.now(UTC).date():
        raise InputError(
            f"as-of date {day} is in the future: a score can only use what is known today"
        )
    return day


def as_of_instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class Exclusions:
    """Records left out of scoring (disputed ones): (kind, source_id, record_id)."""

    keys: frozenset[tuple[str, str, str]] = frozenset()

    def of_kind(self, kind: str) -> pa.Table | None:
        rows = [(s, r) for k, s, r in self.keys if k == kind]
        if not rows:
            return None
        return pa.table(
            {"source_id": [s for s, _ in rows], "record_id": [r for _, r in rows]}
        )


def lake_tables(
    lake: Lake, engine: Engine, as_of: date | None, exclusions: Exclusions | None = None,
    people: PersonRange | None = None,
) -> dict:
    """The five record kinds as Ibis tables on ``engine``, known before ``as_of``
    (everything when None), latest version of each record, exclusions removed; only the
    records about ``people`` when given."""
    import ibis

    instant = as_of_instant(as_of) if as_of else None
    tables = {}
    for kind in KINDS:
        table = lake.table(kind, as_of=instant, people=people, con=engine)
        left_out = exclusions.of_kind(kind) if exclusions else None
        if left_out is not None:
            drop = ibis.memtable(left_out)
            table = table.anti_join(
                drop,
                (table.source_id == drop.source_id) & (table.record_id == drop.record_id),
            )
        tables[kind] = table
    return tables


def check_lake(lake: Lake, as_of: date) -> None:
    """Clear errors for an empty lake or an as-of date before any data."""
    months = sorted({f.partition for f in lake.state().files.values() if f.kind == "account"})
    if not months:
        raise InputError(
            f"the event lake at {lake.root} holds no accounts: ingest records "
            "(credo ingest) or simulate a population (credo simulate) first"
        )
    if f"{as_of:%Y-%m}" <= months[0]:
        raise InputError(
            f"no records were known before {as_of}: the lake's records start in "
            f"{months[0]}; choose a later as-of date"
        )


def person_partitions(lake: Lake, engine: Engine, as_of: date, size: int) -> list[PersonRange]:
    """Consecutive ranges of person ids, about ``size`` people with an account each,
    covering every id (the first and last ranges are open-ended). A person's features
    depend on their own records only, so each range is computed on its own, in memory
    that depends on ``size``, not on the population; the lake's files are ordered by
    person_id, so a range reads only the row groups that can hold its people."""
    files = [str(p) for p in lake.files("account", until_month=f"{as_of:%Y-%m}")]
    if not files:
        return [PersonRange()]
    accounts = engine.read_parquet(files)
    ids = engine.to_arrow(accounts.select("person_id").distinct().order_by("person_id"))
    cuts = ids.column("person_id").to_pylist()[size::size]
    bounds = [None, *cuts, None]
    return [PersonRange(first, end) for first, end in itertools.pairwise(bounds)]


def feature_partitions(
    settings: Settings, engine: Engine, as_of: date, exclusions: Exclusions | None = None,
    size: int | None = None,
) -> Iterator[pa.Table]:
    """The feature table as of ``as_of``, one range of people at a time (ordered by
    person_id within and across the ranges), ``size`` people per range
    (``settings.partition_people`` by default)."""
    lake = Lake(settings.lake)
    check_lake(lake, as_of)
    for people in person_partitions(lake, engine, as_of, size or settings.partition_people):
        tables = lake_tables(lake, engine, as_of, exclusions, people)
        yield normalise_features(engine.to_arrow(feature_table(tables, as_of)))


def compute_features(
    settings: Settings, engine: Engine, as_of: date, exclusions: Exclusions | None = None,
    size: int | None = None,
) -> pa.Table:
    """The whole feature table as of ``as_of`` (computed range by range)."""
    parts = list(feature_partitions(settings, engine, as_of, exclusions, size))
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts).combine_chunks()


def compute_outcome(settings: Settings, engine: Engine, as_of: date) -> pa.Table:
    """person_id, bad for everyone who turned bad in the 12 months after ``as_of``."""
    lake = Lake(settings.lake)
    end = as_of + timedelta(days=OUTCOME_DAYS)
    last = last_statement_day(lake, engine)
    if last is None or last < end - timedelta(days=1):
        raise InputError(
            f"the 12-month outcome after {as_of} is not observed yet: the lake's statements "
            f"end on {last}; train on an as-of date at least 12 months before that"
        )
    return engine.to_arrow(outcome_table(lake_tables(lake, engine, None), as_of, OUTCOME_DAYS))


def last_statement_day(lake: Lake, engine: Engine) -> date | None:
    statements = lake.table("statement", con=engine)
    value = engine.to_arrow(statements.aggregate(last=statements.period_end.max()))
    last = value.column("last")[0].as_py()
    return last


def with_outcome(features: pa.Table, outcome: pa.Table) -> pa.Table:
    bad_people = set(outcome.column("person_id").to_pylist())
    flags = pc.is_in(features.column("person_id"), value_set=pa.array(sorted(bad_people)))
    return features.append_column("bad", pc.cast(flags, pa.int8()))


def at_risk(table: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """The people at risk at T (not already in default), and how many were left out by
    why. Every sample a model is developed, validated or monitored on is this one: a
    person already in default has shown the outcome a score predicts, and ranking them
    would only flatter the figures."""
    status = table.column(STATUS_COLUMN)
    left_out = pc.value_counts(pc.drop_null(status)).to_pylist()
    counts = {str(item["values"]): int(item["counts"]) for item in left_out}
    return table.filter(pc.is_null(status)), dict(sorted(counts.items()))


def population_summary(table: pa.Table) -> dict[str, object]:
    """People in a month's table, how many are at risk, and who was left out and why."""
    kept, left_out = at_risk(table)
    return {"people": table.num_rows, "at_risk": kept.num_rows,
            "in_default": sum(left_out.values()), "in_default_by_reason": left_out}


def normalise_features(table: pa.Table) -> pa.Table:
    """One Arrow schema whatever the engine: int64 counts, float64 measures, strings."""
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_integer(kind):
            column = pc.cast(column, pa.int64())
        elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            column = pc.cast(column, pa.float64())
        elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            column = pc.cast(column, pa.string())
        columns.append(column)
    normalised = pa.table(dict(zip(table.column_names, columns, strict=True)))
    return normalised.sort_by("person_id")


def write_atomic(table: pa.Table, path: Path) -> Path:
    """Write a Parquet file atomically, making its folder if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda target: pq.write_table(table, target), "table")
    return path
