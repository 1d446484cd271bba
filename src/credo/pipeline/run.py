"""The monthly run: features and scores for everyone, as a versioned snapshot.

Scores are computed twice, inside the engine by the scorecard's SQL form and in memory
(which also explains them); the run stops if the two disagree for anyone. A snapshot is
a folder ``scores/as_of=YYYY-MM-DD/`` holding ``scores.parquet`` and ``manifest.json``;
it is written to a temporary folder and renamed into place, so an interrupted run leaves
nothing a reader would see, and its leftovers are swept by the next run. Its ``run_id``
is a digest of the as-of date, the model and the features: re-running an unchanged month
finds the same id and leaves the snapshot as it is.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credo.config import Settings
from credo.errors import CredoError, InputError
from credo.features.catalogue import IN_DEFAULT, IN_DEFAULT_WORDS
from credo.features.engines import Engine
from credo.features.table import STATUS_COLUMN
from credo.layout import MANIFEST_FILE, SCORES_FILE, features_path, run_dir, scores_path
from credo.pipeline.tables import Exclusions, Stage, compute_features, write_atomic
from credo.policy.bands import band_of
from credo.score_snapshot import REASON_COLUMNS, SNAPSHOT_COLUMNS, WRITTEN_SCHEMA
from credo.scorecard.explain import explain_frame, reason_details
from credo.scorecard.fingerprint import data_fingerprint
from credo.scorecard.model import Scorecard
from credo.scorecard.sql import to_sql


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
) -> RunReport:
    tick = stage or (lambda _s: None)
    timings: dict[str, float] = {}
    out = run_dir(settings, as_of)
    _sweep_leftovers(out.parent)

    started = time.perf_counter()
    tick("computing features")
    features = compute_features(settings, engine, as_of, exclusions)
    check_model_features(model, features.column_names)
    write_atomic(features, features_path(settings, as_of))
    timings["features"] = time.perf_counter() - started

    frame = features.to_pandas()
    fingerprint = data_fingerprint(frame, np.zeros(len(frame), dtype=np.uint8))
    model_id = str(model_document.get("model_id"))
    run_id = hashlib.sha256(f"{as_of}|{model_id}|{fingerprint}".encode()).hexdigest()[:20]
    manifest_path = out / MANIFEST_FILE
    if manifest_path.exists():
        previous = json.loads(manifest_path.read_text())
        if previous.get("run_id") == run_id:
            return RunReport(as_of, run_id, out, previous["people"], True, timings,
                             previous.get("bands", {}))

    mark = time.perf_counter()
    tick("scoring in the engine (SQL)")
    engine_scores = score_in_engine(engine, features, model)
    timings["score_in_engine"] = time.perf_counter() - mark

    mark = time.perf_counter()
    tick("scoring and explaining in memory")
    explained = explain_frame(model, frame, frame["person_id"])
    disagree = int((explained["score"].to_numpy() != engine_scores).sum())
    if disagree:
        raise ScoringMismatchError(
            f"in-engine and in-memory scores differ for {disagree} people: the snapshot "
            "was not written; report this with the model file"
        )
    explained = published_rows(model, frame, explained)
    timings["score_in_memory"] = time.perf_counter() - mark

    mark = time.perf_counter()
    tick("writing the snapshot")
    explained.insert(1, "as_of", as_of)
    explained["model_id"] = model_id
    explained["data_fingerprint"] = fingerprint
    explained["run_id"] = run_id
    table = _snapshot_table(explained)
    bands = explained["band"].value_counts().to_dict()
    manifest = {
        "run_id": run_id,
        "as_of": str(as_of),
        "model_id": model_id,
        "data_fingerprint": fingerprint,
        "people": len(explained),
        "bands": {str(k): int(v) for k, v in bands.items()},
        "in_default": int(frame[STATUS_COLUMN].notna().sum()),
        "engine": engine.name,
        "excluded_records": len(exclusions.keys) if exclusions else 0,
        "written_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    _publish(out, table, manifest)
    timings["write"] = time.perf_counter() - mark
    return RunReport(as_of, run_id, out, len(explained), False, timings, manifest["bands"])


def published_rows(
    model: Scorecard, frame: pd.DataFrame, explained: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What is published for each person of a feature table: score, band, PD, sub-scores
    and reasons (in words, as JSON), people in default marked. The monthly run and the
    rescore after a dispute both publish through here."""
    if explained is None:
        explained = explain_frame(model, frame, frame["person_id"])
    explained["reasons_json"] = reason_details(model, frame)
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


def _publish(out: Path, table: pa.Table, manifest: dict[str, Any]) -> None:
    staging = out.with_name(f".{out.name}.tmp-{manifest['run_id']}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    pq.write_table(table, staging / SCORES_FILE)
    (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{manifest['run_id']}")
        out.replace(retired)
        staging.replace(out)
        shutil.rmtree(retired)
    else:
        staging.replace(out)


def _sweep_leftovers(folder: Path) -> None:
    """Remove what an interrupted run left: staging and retired folders."""
    if not folder.exists():
        return
    for path in folder.iterdir():
        if path.name.startswith(".") and (".tmp-" in path.name or ".old-" in path.name):
            shutil.rmtree(path, ignore_errors=True)


def read_snapshot(settings: Settings, as_of: date) -> pa.Table:
    path = scores_path(settings, as_of)
    if not path.exists():
        raise InputError(f"no score snapshot for {as_of}: run credo run --as-of {as_of}")
    return pq.read_table(path)
