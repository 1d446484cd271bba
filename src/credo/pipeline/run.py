"""The monthly run: features and scores for everyone, as a versioned snapshot.

Scores are computed twice, inside the engine by the scorecard's SQL form and in memory
(which also explains them); the run stops if the two disagree for anyone. A snapshot is
a folder ``scores/as_of=YYYY-MM-DD/`` holding ``scores.parquet`` and ``manifest.json``;
it is written to a temporary folder and renamed into place, so an interrupted run leaves
nothing a reader would see, and its leftovers are swept by the next run. Its ``run_id``
is a digest of the as-of date, the model and the features.

The population is scored one range of people at a time (the lake is ordered by
person_id), each range's features and scores appended to the staging folder's files, so
memory depends on the range's size, never on the population. Re-running an unchanged
month is recognised before any feature is computed, from the lake's commit log, the
model and the as-of date (:mod:`credo.pipeline.inputs`); a month whose inputs changed
but whose features did not keeps its snapshot too.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credo.config import Settings
from credo.data.lake import Lake
from credo.errors import CredoError, InputError
from credo.features.catalogue import IN_DEFAULT, IN_DEFAULT_WORDS
from credo.features.engines import Engine
from credo.features.table import STATUS_COLUMN
from credo.layout import MANIFEST_FILE, SCORES_FILE, features_path, run_dir, scores_path
from credo.outputs import write_atomically
from credo.pipeline.inputs import run_inputs
from credo.pipeline.tables import Exclusions, Stage, feature_partitions
from credo.policy.bands import band_of
from credo.score_snapshot import REASON_COLUMNS, SNAPSHOT_COLUMNS, WRITTEN_SCHEMA
from credo.scorecard.explain import explain_frame, reason_details
from credo.scorecard.fingerprint import Fingerprint
from credo.scorecard.model import Scorecard
from credo.scorecard.sql import to_sql

# The feature table's row groups: a person's row (a what-if's "now") is read from one
# of a few thousand people, not from a range's whole group.
FEATURE_GROUP_ROWS = 2_048


class ScoringMismatchError(CredoError):
    """In-engine and in-memory scoring disagree: the snapshot is not written."""


@dataclass
class RunReport:
    as_of: date
    run_id: str
    path: Path
    people: int
    reused: bool
    timings: dict[str, float] = field(default_factory=dict)
    bands: dict[str, int] = field(default_factory=dict)


def check_model_features(model: Scorecard, columns: list[str]) -> None:
    missing = [f for f in model.feature_names_ if f not in columns]
    if missing:
        raise InputError(
            f"the model uses feature(s) {missing} that the feature catalogue does not "
            "compute: train a model on this catalogue (credo train --as-of ...)"
        )


def score_in_engine(engine: Engine, features: pa.Table, model: Scorecard) -> np.ndarray:
    """Scores from the scorecard's SQL form, run by the engine itself."""
    query = to_sql(model, "credo_features", id_column="person_id")
    engine.register("credo_features", features)
    result = engine.sql(query + " ORDER BY person_id")
    ids = result.column("person_id").to_pylist()
    if ids != features.column("person_id").to_pylist():
        raise ScoringMismatchError("in-engine scoring returned a different set of people")
    return np.asarray(result.column("score").to_numpy(), dtype=np.int64)


def monthly_run(
    settings: Settings,
    engine: Engine,
    as_of: date,
    model: Scorecard,
    model_document: dict[str, Any],
    exclusions: Exclusions | None = None,
    stage: Stage | None = None,
    size: int | None = None,
) -> RunReport:
    """Score everyone as of ``as_of``, one range of ``size`` people at a time
    (``settings.partition_people`` by default): memory depends on the range, not on
    the population, and the snapshot is the same whatever the size."""
    tick = stage or (lambda _s: None)
    timings: dict[str, float] = {}
    out = run_dir(settings, as_of)
    _sweep_leftovers(out)
    model_id = str(model_document.get("model_id"))

    started = time.perf_counter()
    inputs = run_inputs(Lake(settings.lake), as_of, model_id, exclusions)
    previous = _manifest(out)
    if previous is not None and previous.get("inputs") == inputs:
        timings["recognised"] = time.perf_counter() - started
        return RunReport(as_of, previous["run_id"], out, previous["people"], True, timings,
                         previous.get("bands", {}))

    staging = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:12]}")
    staging.mkdir(parents=True)
    try:
        return _score_partitions(settings, engine, as_of, model, model_id, exclusions,
                                 inputs, staging, tick, size, timings)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _score_partitions(
    settings: Settings, engine: Engine, as_of: date, model: Scorecard, model_id: str,
    exclusions: Exclusions | None, inputs: str, staging: Path, tick: Stage,
    size: int | None, timings: dict[str, float],
) -> RunReport:
    """Features, in-engine and in-memory scores of each range of people in turn, written
    to the staging folder as they come; then the snapshot is published whole."""
    out = run_dir(settings, as_of)
    features_file, draft = staging / "features.parquet", staging / "draft.parquet"
    fingerprint = Fingerprint()
    bands: Counter[str] = Counter()
    people = in_default = 0
    for stage_name in ("features", "score_in_engine", "score_in_memory", "write"):
        timings[stage_name] = 0.0
    with _Appender(features_file, FEATURE_GROUP_ROWS) as features_out, \
            _Appender(draft) as scores_out:
        mark = time.perf_counter()
        tick("computing features")
        for features in feature_partitions(settings, engine, as_of, exclusions, size):
            check_model_features(model, features.column_names)
            features_out.write(features)
            frame = features.to_pandas()
            fingerprint.add(frame, np.zeros(len(frame), dtype=np.uint8))
            timings["features"] += _lap(mark)
            if not len(frame):
                mark = time.perf_counter()
                continue

            mark = time.perf_counter()
            engine_scores = score_in_engine(engine, features, model)
            timings["score_in_engine"] += _lap(mark)

            mark = time.perf_counter()
            explained = _explained(model, frame, engine_scores)
            timings["score_in_memory"] += _lap(mark)

            mark = time.perf_counter()
            explained.insert(1, "as_of", as_of)
            explained["model_id"] = model_id
            # Filled in once every range is done (they depend on all of them).
            explained["data_fingerprint"] = ""
            explained["run_id"] = ""
            scores_out.write(_snapshot_table(explained))
            bands.update(explained["band"].value_counts().to_dict())
            people += len(explained)
            in_default += int(frame[STATUS_COLUMN].notna().sum())
            del frame, explained, features
            timings["write"] += _lap(mark)
            mark = time.perf_counter()

    mark = time.perf_counter()
    tick("writing the snapshot")
    features_file.replace(_ready(features_path(settings, as_of)))
    data_print = fingerprint.hexdigest()
    run_id = hashlib.sha256(f"{as_of}|{model_id}|{data_print}".encode()).hexdigest()[:20]
    previous = _manifest(out)
    if previous is not None and previous.get("run_id") == run_id:
        # The features came out the same: the snapshot stands; remember the inputs.
        previous["inputs"] = inputs
        previous.update(_excluded(exclusions))
        _write_manifest(out / MANIFEST_FILE, previous)
        return RunReport(as_of, run_id, out, previous["people"], True, timings,
                         previous.get("bands", {}))
    _finish_scores(draft, staging / SCORES_FILE, data_print, run_id)
    draft.unlink(missing_ok=True)
    manifest = {
        "run_id": run_id,
        "as_of": str(as_of),
        "model_id": model_id,
        "data_fingerprint": data_print,
        "inputs": inputs,
        "people": people,
        "bands": {str(k): int(v) for k, v in bands.items()},
        "in_default": in_default,
        "engine": engine.name,
        **_excluded(exclusions),
        "written_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    _write_manifest(staging / MANIFEST_FILE, manifest)
    _publish(out, staging, run_id)
    timings["write"] += _lap(mark)
    return RunReport(as_of, run_id, out, people, False, timings, manifest["bands"])


def _explained(model: Scorecard, frame: pd.DataFrame, engine_scores: np.ndarray) -> pd.DataFrame:
    """What is published for these people, once the in-memory scores agree with the
    engine's."""
    points = model.points_matrix(frame)
    explained = explain_frame(model, frame, frame["person_id"], points)
    disagree = int((explained["score"].to_numpy() != engine_scores).sum())
    if disagree:
        raise ScoringMismatchError(
            f"in-engine and in-memory scores differ for {disagree} people: the snapshot "
            "was not written; report this with the model file"
        )
    return published_rows(model, frame, explained, points)


def _excluded(exclusions: Exclusions | None) -> dict[str, Any]:
    """The records the run left out, for the manifest: a person's what-if takes their
    row of the run's features only while their own left-out records are the same."""
    keys = sorted(exclusions.keys) if exclusions else []
    return {"excluded_records": len(keys), "excluded": [list(key) for key in keys]}


def _lap(mark: float) -> float:
    return time.perf_counter() - mark


def published_rows(
    model: Scorecard, frame: pd.DataFrame, explained: pd.DataFrame | None = None,
    points: np.ndarray | None = None,
) -> pd.DataFrame:
    """What is published for each person of a feature table: score, band, PD, sub-scores
    and reasons (in words, as JSON), people in default marked. The monthly run and the
    rescore after a dispute both publish through here. ``points``: the frame's points
    matrix, when the caller has it (it is computed once either way)."""
    if points is None:
        points = model.points_matrix(frame)
    if explained is None:
        explained = explain_frame(model, frame, frame["person_id"], points)
    explained["reasons_json"] = reason_details(model, frame, points=points)
    publish_in_default(explained, frame[STATUS_COLUMN], model)
    return explained


def publish_in_default(explained: pd.DataFrame, status: pd.Series, model: Scorecard) -> None:
    """People already in default at T are published at the bottom of the scale, never
    ranked among the people at risk: score 350 (band poor, the published PD of 350), a
    credit-history sub-score of 350, and the default as their first reason, before the
    reasons their records would give. Changes ``explained`` in place."""
    rows = np.flatnonzero(status.notna().to_numpy())
    if not rows.size:
        return
    scaling = model.scaling_
    floor = scaling.score_min
    index = explained.index[rows]
    costs = (explained.loc[index, "score"].to_numpy() - floor).clip(min=0)
    explained.loc[index, "score"] = floor
    explained.loc[index, "band"] = band_of(floor)
    explained.loc[index, "probability_of_default"] = float(
        scaling.probability_of_default(floor)
    )
    explained.loc[index, "credit_history"] = floor
    for r in range(4, 1, -1):
        explained.loc[index, f"reason_{r}"] = explained.loc[index, f"reason_{r - 1}"]
    explained.loc[index, "reason_1"] = IN_DEFAULT
    details = []
    for why, cost, previous in zip(status.iloc[rows], costs,
                                   explained.loc[index, "reasons_json"], strict=True):
        first = {"feature": IN_DEFAULT, "description": IN_DEFAULT_WORDS[why][0], "bin": why,
                 "points_lost": int(cost)}
        details.append(json.dumps([first, *json.loads(previous)[:3]], ensure_ascii=False))
    explained.loc[index, "reasons_json"] = details


def _snapshot_table(frame: pd.DataFrame) -> pa.Table:
    frame = frame[list(SNAPSHOT_COLUMNS)].copy()
    for column in REASON_COLUMNS:
        frame[column] = frame[column].replace("", None)
    return pa.Table.from_pandas(frame, schema=WRITTEN_SCHEMA, preserve_index=False)


class _Appender:
    """A Parquet file written one table (a range of people) at a time, in row groups of
    at most ``group_rows`` rows."""

    def __init__(self, path: Path, group_rows: int | None = None) -> None:
        self.path = path
        self.group_rows = group_rows
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table, row_group_size=self.group_rows)

    def __enter__(self) -> _Appender:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._writer is not None:
            self._writer.close()


def _finish_scores(draft: Path, path: Path, data_print: str, run_id: str) -> None:
    """The scores with the run's fingerprint and id filled in, row group by row group."""
    if not draft.exists():  # nobody to score
        pq.write_table(WRITTEN_SCHEMA.empty_table(), path)
        return
    source = pq.ParquetFile(draft)
    with pq.ParquetWriter(path, WRITTEN_SCHEMA) as writer:
        for group in range(source.num_row_groups):
            table = source.read_row_group(group)
            for name, value in (("data_fingerprint", data_print), ("run_id", run_id)):
                column = pa.array([value] * table.num_rows, pa.string())
                table = table.set_column(table.schema.get_field_index(name), name, column)
            writer.write_table(table)


def _ready(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST_FILE
    return json.loads(path.read_text()) if path.exists() else None


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_atomically(path, lambda target: target.write_text(json.dumps(manifest, indent=2)
                                                            + "\n"), "manifest")


def _publish(out: Path, staging: Path, run_id: str) -> None:
    """Put the staged snapshot in place of ``out`` (renames only, never a half file)."""
    ready = out.with_name(f".{out.name}.tmp-{run_id}")
    if ready.exists():
        shutil.rmtree(ready)
    ready.mkdir(parents=True)
    for name in (SCORES_FILE, MANIFEST_FILE):
        (staging / name).replace(ready / name)
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{run_id}")
        out.replace(retired)
        ready.replace(out)
        shutil.rmtree(retired)
    else:
        ready.replace(out)


def _sweep_leftovers(out: Path) -> None:
    """Remove what an interrupted run of this month left: staging and retired folders
    (another month's run may be working beside it)."""
    if not out.parent.exists():
        return
    for path in out.parent.iterdir():
        if path.name.startswith(f".{out.name}.") and (
            ".tmp-" in path.name or ".old-" in path.name
        ):
            shutil.rmtree(path, ignore_errors=True)


def read_snapshot(settings: Settings, as_of: date) -> pa.Table:
    path = scores_path(settings, as_of)
    if not path.exists():
        raise InputError(f"no score snapshot for {as_of}: run credo run --as-of {as_of}")
    return pq.read_table(path)
