"""The monthly tables the report and the monitor read: features, with or without the
12-month outcome. Feature tables are cached where ``credo run`` writes them.

Every table here holds the people at risk only: someone already in default at the month
is published as such but never part of a metric (see :func:`credo.pipeline.tables.at_risk`).
The population's summary (people, at risk, left out by reason) rides along in the
frame's ``attrs["population"]``."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credo.config import Settings
from credo.errors import InputError
from credo.features.catalogue import IN_DEFAULT
from credo.features.engines import Engine
from credo.features.table import STATUS_COLUMN
from credo.layout import features_path, scores_path
from credo.pipeline.split import on_side
from credo.pipeline.tables import (
    at_risk,
    compute_features,
    compute_outcome,
    population_summary,
    with_outcome,
    write_atomic,
)
from credo.scorecard import Scorecard


def features(settings: Settings, engine: Engine, as_of: date) -> pd.DataFrame:
    """The month's feature table: the cached file when there is one, else computed."""
    path = features_path(settings, as_of)
    if path.exists() and STATUS_COLUMN in pq.read_schema(path).names:
        table = pq.read_table(path)
    else:  # not computed yet, or by a credo that did not mark who is in default
        table = compute_features(settings, engine, as_of)
        write_atomic(table, path)
    return _at_risk_frame(table)


def with_bad(settings: Settings, engine: Engine, as_of: date) -> pd.DataFrame:
    """Features and the 12-month outcome (``bad``) of the people at risk as of the month."""
    table = compute_features(settings, engine, as_of)
    return _at_risk_frame(with_outcome(table, compute_outcome(settings, engine, as_of)))


def _at_risk_frame(table: pa.Table) -> pd.DataFrame:
    frame = at_risk(table)[0].drop_columns([STATUS_COLUMN]).to_pandas()
    frame.attrs["population"] = population_summary(table)
    return frame


def split_as_trained(
    document: dict, development: pd.DataFrame, validation: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The report's samples split by person as the model was: developed on the people not
    held out, validated on the held-out ones (models without a recorded split: as given)."""
    split = document.get("metadata", {}).get("validation_split") or {}
    share, seed = float(split.get("holdout") or 0.0), int(split.get("seed") or 0)
    if share <= 0:
        return development, validation

    def keep(frame: pd.DataFrame, held: bool) -> pd.DataFrame:
        kept = frame[on_side(frame["person_id"], share, seed, held)].reset_index(drop=True)
        kept.attrs = dict(frame.attrs)
        return kept

    return keep(development, False), None if validation is None else keep(validation, True)


def published_scores(settings: Settings, as_of: date) -> pd.DataFrame | None:
    """person_id, score and model_id of the people at risk in the month's snapshot, when
    it was run (people in default are published at the floor, outside every metric)."""
    path = scores_path(settings, as_of)
    if not path.exists():
        return None
    table = pq.read_table(path, columns=["person_id", "score", "model_id", "reason_1"])
    frame = table.to_pandas()
    frame = frame[frame["reason_1"] != IN_DEFAULT].drop(columns=["reason_1"])
    return frame.reset_index(drop=True)


def month_scores(
    settings: Settings, as_of: date, frame: pd.DataFrame, model: Scorecard | None
) -> np.ndarray:
    """The scores of the month's people at risk: the published ones when the month was
    run, else ``model``'s scores of ``frame`` (the month's features)."""
    published = published_scores(settings, as_of)
    if published is not None:
        return published["score"].to_numpy()
    if model is None:
        raise InputError(
            f"no snapshot for {as_of} and no champion model to score it: run credo run "
            f"--as-of {as_of}, or name a model"
        )
    return model.score(frame)
