"""The monthly tables the report and the monitor read: features, with or without the
12-month outcome. Feature tables are cached where ``credo run`` writes them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow.parquet as pq

from credo.config import Settings
from credo.features.engines import Engine
from credo.pipeline.run import snapshot_dir
from credo.pipeline.snapshot import (
    compute_features,
    compute_outcome,
    features_path,
    with_outcome,
    write_atomic,
)


def features(settings: Settings, engine: Engine, as_of: date) -> pd.DataFrame:
    """The month's feature table: the cached file when there is one, else computed."""
    path = features_path(settings, as_of)
    if path.exists():
        table = pq.read_table(path)
    else:
        table = compute_features(settings, engine, as_of)
        write_atomic(table, path)
    return table.to_pandas()


def with_bad(settings: Settings, engine: Engine, as_of: date) -> pd.DataFrame:
    """Features and the 12-month outcome (``bad``) of everyone scored as of the month."""
    table = compute_features(settings, engine, as_of)
    return with_outcome(table, compute_outcome(settings, engine, as_of)).to_pandas()


def published_scores(settings: Settings, as_of: date) -> pd.DataFrame | None:
    """person_id, score and model_id of the month's snapshot, when it was run."""
    path = snapshot_dir(settings, as_of) / "scores.parquet"
    if not path.exists():
        return None
    return pq.read_table(path, columns=["person_id", "score", "model_id"]).to_pandas()
