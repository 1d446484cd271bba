"""Exact what-if: a person's records changed by scenarios, scored by the real pipeline.

The person's records are read as the latest run read them (known before its date T,
latest version of each, disputed records left out), each scenario's records are made by
:mod:`credo.pipeline.scenarios`, and all of them go through the same feature definitions
(:func:`credo.features.table.feature_table`) and the champion model, published the way
the monthly run publishes (:func:`credo.pipeline.run.published_rows`). So a scenario's
score is the score ``credo run`` would give those records, to the point.

Scenarios scored as of the same date are computed in one execution of the feature query
(prepared once per thread and date, for the columns the model reads:
:mod:`credo.pipeline.variant_features`): each is a person of its own in the feature
table (its person and account ids suffixed), which the definitions allow because a
person's features depend on their own records only. What does not change between a
person's requests is kept: their records, read once per lake version, and their outcome
as the records are, once per lake version, records left out and model. That outcome's
features are the latest run's row for the person where the run read what the what-if
would (:mod:`credo.pipeline.run_features`), so that a person's first request executes
the feature query only for their scenarios. A first request reads the person's five
kinds of records and that row side by side on the worker pool (and, where the caller has
not read them, the records under dispute on its own thread meanwhile), from one version
of the lake.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from credo.config import Settings
from credo.data.lake import Lake
from credo.data.person_reads import person_rows
from credo.data.schemas import KINDS, record_schema
from credo.dictionary import DIMENSIONS
from credo.features.engines import open_engine
from credo.features.table import FEATURE_TABLE_COLUMNS, STATUS_COLUMN
from credo.layout import champion_path, scores_path
from credo.pipeline.rescore import RecordKey, excluded_for, latest_run_date
from credo.pipeline.run import check_model_features, published_rows
from credo.pipeline.run_features import RunRow, run_row
from credo.pipeline.scenarios import (
    Action,
    Records,
    ScenarioError,
    apply,
    as_of_instant,
    to_rows,
    to_tables,
)
from credo.pipeline.tables import lake_tables
from credo.pipeline.variant_features import features_of, prepare
from credo.scorecard import artifact
from credo.scorecard.model import Scorecard
from credo.worker_pool import on_every_thread, side_by_side, side_by_side_here

MAX_SCENARIOS = 64
_SEPARATOR = "~"  # never in a contract identifier, so a scenario's ids cannot collide


class NoScoreYetError(LookupError):
    """No run, no champion, or the person has no account known before T."""


@dataclass(frozen=True)
class Outcome:
    """One scenario's published row: what the run would publish for these records."""

    as_of: date
    score: int
    band: str
    probability_of_default: float
    sub_scores: dict[str, int | None]
    reasons: list[dict[str, Any]]
    points: dict[str, int]  # per model feature: the points these records earn
    in_default: str | None


@dataclass(frozen=True)
class WhatIf:
    person_id: str
    as_of: date
    model_id: str
    now: Outcome  # the records as they are
    scenarios: list[Outcome]


_MODEL_CACHE: dict[tuple[Path, float], tuple[Scorecard, dict[str, Any]]] = {}


def champion(settings: Settings) -> tuple[Scorecard, dict[str, Any]]:
    """The champion model, loaded once per version of its file."""
    path = champion_path(settings)
    if not path.exists():
        raise NoScoreYetError("no champion model yet")
    key = (path, path.stat().st_mtime)
    if key not in _MODEL_CACHE:
        _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = artifact.load(path)
    return _MODEL_CACHE[key]


def person_records(settings: Settings, person_id: str, as_of: date,
                   excluded: frozenset[RecordKey] | None = None) -> Records:
    """The person's records as a run at ``as_of`` reads them, disputed ones left out."""
    if excluded is None:
        excluded = excluded_for(settings, person_id).keys
    return _person_records(settings, person_id, as_of, excluded)[1]


def _person_records(settings: Settings, person_id: str, as_of: date,
                    excluded: frozenset[RecordKey]) -> tuple[int, Records]:
    """The lake's version and the person's records read from it, disputed ones left out."""
    found = _read(settings, person_id, as_of)
    return found.version, _left_out(found.records, excluded)


@dataclass(frozen=True)
class _Read:
    """What a request read about the person (see :func:`_read`)."""

    lake: Lake  # held at the version read
    version: int
    records: Records  # every record known before the date, none left out
    excluded: frozenset[RecordKey]  # read here when asked (``excluded_of``), else empty
    run_row: RunRow | None  # the run's row of the person, read with the records
    run_row_read: bool


def _read(settings: Settings, person_id: str, as_of: date, *,
          run_row_of: Callable[[], RunRow | None] | None = None,
          excluded_of: Callable[[], frozenset[RecordKey]] | None = None) -> _Read:
    """The lake's version and every record of the person's known before ``as_of``, read
    once per lake version (a person tries several scenarios in a row; the lake only
    grows by new versions; callers copy before changing them). Read beside them where
    asked: the run's row of the person with the records (``run_row_of``: where they are
    not kept, the request is the person's first of this version), and the records under
    dispute (``excluded_of``) on this thread while the pool reads."""
    lake = _kept_lake(settings.lake).pinned()  # the log listed once for the five kinds
    version = lake.state().version
    key = (str(lake.root), version, person_id, as_of)
    records = _RECORDS.get(key)
    kinds: list[str] = []
    calls: list[Callable[[], Any]] = []
    if records is None:
        instant = as_of_instant(as_of)
        kinds = [kind for kind in KINDS if lake.has_files(kind)]
        calls = [partial(person_rows, lake, kind, instant, person_id) for kind in kinds]
        if run_row_of is not None:
            calls.append(run_row_of)
    excluded, found = side_by_side_here(excluded_of or frozenset, calls)
    row_read = records is None and run_row_of is not None
    row = found.pop() if row_read else None
    if records is None:
        read = dict(zip(kinds, found, strict=True))
        records = to_rows({kind: read[kind] if kind in read else _empty(kind)
                           for kind in KINDS})
        _RECORDS.put(key, records)
    return _Read(lake, version, records, excluded, row, row_read)


def _left_out(rows: Records, excluded: frozenset[RecordKey]) -> Records:
    return {kind: [r for r in rows[kind] if (kind, r["source_id"], r["record_id"])
                   not in excluded] for kind in KINDS}


def _keys(rows: Records) -> frozenset[RecordKey]:
    return frozenset((kind, r["source_id"], r["record_id"]) for kind in KINDS
                     for r in rows[kind])


_LAKES: dict[Path, Lake] = {}


def _kept_lake(root: Path) -> Lake:
    """The lake at ``root``, kept for the process: its state is replayed from the log
    once per new commit, not once per request."""
    if root not in _LAKES:
        _LAKES[root] = Lake(root)
    return _LAKES[root]


class _Kept:
    """What is kept per person (their records, their outcome as they are), the least
    recently used dropped beyond ``size``."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


# Per lake version and person: their records, and their outcome as the records are (per
# records left out and model too), what their next scenarios are compared with.
_RECORDS = _Kept()
_NOW = _Kept()


def warm(settings: Settings) -> bool:
    """Make ready what a what-if as of the latest run needs before any request asks: the
    champion loaded, the feature query compiled and prepared on each of the worker pool's
    threads for the run's date, and one person's start asked (the lake's state and
    files opened, the model's compiled binning loaded): a process's first what-if
    otherwise waits seconds for them. False when there is no run or no champion yet."""
    as_of = latest_run_date(settings)
    if as_of is None:
        return False
    try:
        model, _ = champion(settings)
    except NoScoreYetError:
        return False
    on_every_thread(lambda: prepare([as_of], scored_columns(model)))
    scores = scores_path(settings, as_of)
    scored = pq.ParquetFile(scores) if scores.exists() else None
    if scored is not None and scored.metadata.num_rows:
        first = scored.read_row_group(0, columns=["person_id"])["person_id"][0].as_py()
        with suppress(NoScoreYetError):
            what_if(settings, first, [])
    return True


def forget_people() -> None:
    """Drop the records and outcomes kept per person (a benchmark's first request)."""
    _RECORDS.clear()
    _NOW.clear()


def people_records(settings: Settings, person_ids: Sequence[str], as_of: date
                   ) -> dict[str, Records]:
    """Many people's records at once, as :func:`person_records` reads one person's (for
    checks and benchmarks over a population); disputed records left out."""
    from credo.store.exclusions import excluded_records_for

    wanted = sorted(set(person_ids))
    excluded = frozenset(excluded_records_for(settings.database))
    engine = open_engine(settings.engine)  # a population's read: the settings' engine
    try:
        tables = lake_tables(Lake(settings.lake), engine, as_of)
        rows = to_rows({kind: engine.to_arrow(t.filter(t.person_id.isin(wanted)))
                        for kind, t in tables.items()})
    finally:
        engine.close()
    out: dict[str, Records] = {pid: {kind: [] for kind in KINDS} for pid in wanted}
    for kind in KINDS:
        for r in rows[kind]:
            if (kind, r["source_id"], r["record_id"]) not in excluded:
                out[r["person_id"]][kind].append(r)
    return out


def _empty(kind: str) -> pa.Table:
    return record_schema(kind).empty_table()


def score_variants(model: Scorecard, variants: Sequence[tuple[Records, date]],
                   known: dict[int, pa.Table] | None = None) -> list[Outcome]:
    """Each variant's records scored as of its date, in the order given: one execution
    of the feature query per date, and the model applied once to the rows computed.
    ``known``: the feature row of some variants (by position) already at hand, the
    run's, scored with the rows computed (one call of the model: on one row it costs
    milliseconds, mostly the same whatever the rows; run beside the query, it only took
    the interpreter from it)."""
    known = known or {}
    by_date: dict[date, list[int]] = {}
    for i, (_, day) in enumerate(variants):
        if i not in known:
            by_date.setdefault(day, []).append(i)
    columns = scored_columns(model)
    computed = side_by_side(
        [partial(features_of, to_tables(_relabelled([(i, variants[i][0]) for i in members])),
                 day, columns) for day, members in by_date.items()])
    out = _scored(model, variants,
                  [*computed, *(_relabelled_row(row, i) for i, row in known.items())], columns)
    missing = [i for i in range(len(variants)) if i not in out]
    if missing:
        raise NoScoreYetError("no account was known before the score's date, so there is no score")
    return [out[i] for i in range(len(variants))]


def _scored(model: Scorecard, variants: Sequence[tuple[Records, date]],
            tables: list[pa.Table], columns: list[str]) -> dict[int, Outcome]:
    """The outcome of each variant with a row in ``tables`` (each row scored alone, so
    rows may be scored in any grouping)."""
    if not tables:
        return {}
    frame = _together(tables, columns).to_pandas()
    points = model.points_matrix(frame)
    published = published_rows(model, frame, points=points)
    out: dict[int, Outcome] = {}
    for row, pid in enumerate(frame["person_id"]):
        i = int(pid.rsplit(_SEPARATOR, 1)[1])
        out[i] = _outcome(model, variants[i][1], published.iloc[row], points[row],
                          frame[STATUS_COLUMN].iloc[row])
    return out


def _relabelled_row(row: pa.Table, i: int) -> pa.Table:
    """A person's feature row as variant ``i``'s (as :func:`_relabelled` names it)."""
    ids = pa.array([f"{pid}{_SEPARATOR}{i}" for pid in row["person_id"].to_pylist()],
                   pa.string())
    return row.set_column(row.schema.get_field_index("person_id"), "person_id", ids)


def scored_columns(model: Scorecard) -> list[str]:
    """The feature table's columns that scoring and publishing a row read (the feature
    query is compiled for them: a model feature the catalogue does not compute is
    refused here, with what to do about it)."""
    check_model_features(model, list(FEATURE_TABLE_COLUMNS))
    return ["person_id", *model.feature_names_, STATUS_COLUMN]


def _together(tables: list[pa.Table], columns: list[str]) -> pa.Table:
    """Feature rows computed here and read from the run (both already normalised, see
    ``normalise_features``), in one table of ``columns`` typed as the first's (a row
    read back from Parquet may differ in its fields' nullability only)."""
    tables = [t.select(columns) for t in tables]
    schema = tables[0].schema
    return pa.concat_tables([t if t.schema == schema else t.cast(schema) for t in tables])


def _relabelled(members: list[tuple[int, Records]]) -> Records:
    """One table per kind holding every member's records as a person of its own."""
    merged: Records = {kind: [] for kind in KINDS}
    for i, records in members:
        suffix = f"{_SEPARATOR}{i}"
        for kind in KINDS:
            for r in records[kind]:
                row = {**r, "person_id": r["person_id"] + suffix}
                if "account_id" in row and row["account_id"] is not None:
                    row["account_id"] += suffix
                merged[kind].append(row)
    return merged


def _outcome(model: Scorecard, day: date, row: Any, points: Any, status: Any) -> Outcome:
    return Outcome(
        as_of=day, score=int(row["score"]), band=str(row["band"]),
        probability_of_default=float(row["probability_of_default"]),
        sub_scores={d: (None if _missing(row[d]) else int(row[d])) for d in DIMENSIONS},
        reasons=json.loads(row["reasons_json"]),
        points={f.name: int(p) for f, p in zip(model.features_, points, strict=True)},
        in_default=None if _missing(status) else str(status),
    )


def _missing(value: Any) -> bool:
    return value is None or str(value) in ("<NA>", "nan", "None")


def what_if(settings: Settings, person_id: str, scenarios: Sequence[Sequence[Action]],
            excluded: frozenset[RecordKey] | None = None) -> WhatIf:
    """The person's score now and under each scenario, as the latest run would give it.
    ``excluded``: the person's records under dispute, when the caller has read them (by
    default they are read from the settings' database).

    Raises ``ScenarioError`` (an ``InputError``) for a scenario that cannot apply, and
    ``NoScoreYetError`` when there is no run, no champion or no account for the person."""
    if len(scenarios) > MAX_SCENARIOS:
        raise ScenarioError(f"at most {MAX_SCENARIOS} scenarios at a time")
    as_of = latest_run_date(settings)
    if as_of is None:
        raise NoScoreYetError("no monthly run yet")
    model, document = champion(settings)
    model_id = str(document.get("model_id"))
    columns = scored_columns(model)
    found = _read(settings, person_id, as_of,
                  run_row_of=partial(run_row, settings, as_of, model_id, person_id, columns),
                  excluded_of=None if excluded is not None
                  else lambda: excluded_for(settings, person_id).keys)
    if excluded is None:  # read by ``excluded_of`` above
        excluded = found.excluded
    everything = found.records
    records = _left_out(everything, excluded)
    if not records["account"]:
        raise NoScoreYetError("no account on record before the latest run's date")
    variants = [apply(records, actions, as_of) for actions in scenarios]
    for number, (changed, day) in enumerate(variants, start=1):
        if not any(a["opened_at"] < day for a in changed["account"]):
            raise ScenarioError(f"scenario {number} leaves no account on record, so there "
                                "would be no score: keep at least one account")
    key = (str(settings.lake), found.version, person_id, as_of, excluded, model_id)
    now = _NOW.get(key)
    if now is None:
        candidate = found.run_row if found.run_row_read else run_row(
            settings, as_of, model_id, person_id, columns)
        row = candidate.holds(found.lake, _keys(everything), excluded) \
            if candidate is not None else None
        now, *outcomes = score_variants(model, [(records, as_of), *variants],
                                        known={0: row} if row is not None else None)
        _NOW.put(key, now)
    else:
        outcomes = score_variants(model, variants) if variants else []
    return WhatIf(person_id, as_of, model_id, now, outcomes)
