"""Training from a table, as a risk analyst does it: pick the target, hold out a sample,
fit, measure on both samples, and keep the measurements with the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from credo.errors import ConfigError, InputError
from credo.scorecard import metrics
from credo.scorecard.explain import explain_frame
from credo.scorecard.model import Progress, Scorecard


def binary_target(frame: pd.DataFrame, column: str, bad_value: str | None = None) -> np.ndarray:
    """The target column as 0/1 (1 = bad). ``bad_value`` names the bad label if not 0/1."""
    if column not in frame.columns:
        raise InputError(
            f"target column {column!r} is not in the data; its columns are "
            f"{_some(frame.columns)}: pass the right name with --target"
        )
    series = frame[column]
    if series.isna().any():
        row = int(np.flatnonzero(series.isna().to_numpy())[0]) + 1
        raise InputError(
            f"target column {column!r} is empty on row {row}: every row needs an outcome"
        )
    labels = {str(v) for v in pd.unique(series)}
    if bad_value is None:
        if labels <= {"0", "1", "True", "False", "0.0", "1.0"}:
            return series.astype(float).astype(np.uint8).to_numpy()
        if labels == {"good", "bad"}:
            bad_value = "bad"
        else:
            raise InputError(
                f"target column {column!r} is not binary 0/1 (values: {_some(sorted(labels))}): "
                "name the bad outcome with --bad VALUE"
            )
    if bad_value not in labels:
        raise InputError(
            f"--bad {bad_value!r} does not occur in target column {column!r} "
            f"(values: {_some(sorted(labels))})"
        )
    if len(labels) != 2:
        raise InputError(
            f"target column {column!r} has {len(labels)} distinct values "
            f"({_some(sorted(labels))}): a scorecard needs exactly two outcomes"
        )
    return (series.astype(str) == bad_value).to_numpy().astype(np.uint8)


def _some(values: Any, limit: int = 8) -> str:
    items = [str(v) for v in values]
    shown = ", ".join(repr(v[:40]) for v in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


@dataclass
class TrainingResult:
    model: Scorecard
    metadata: dict[str, Any] = field(default_factory=dict)


def holdout_split(
    X: pd.DataFrame, y: np.ndarray, holdout: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame | None, np.ndarray, np.ndarray | None]:
    """The rows a table model is fitted on and the ones held out to measure it, stratified
    by outcome: the same rows for the same table, share and seed (training, the report)."""
    if holdout <= 0:
        return X, None, y, None
    if min(int(y.sum()), int((1 - y).sum())) < 4:
        raise InputError("too few good or bad rows to hold out a test sample: use --holdout 0")
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=holdout, stratify=y, random_state=seed
    )
    return X_train, X_test, y_train, y_test


def train_from_frame(
    frame: pd.DataFrame,
    target: str,
    model: Scorecard,
    *,
    id_column: str | None = None,
    bad_value: str | None = None,
    holdout: float = 0.3,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainingResult:
    """Fit ``model`` on a stratified share of ``frame`` and measure it on the rest."""
    if not 0.0 <= holdout < 0.9:
        raise ConfigError(f"holdout must be in [0, 0.9), got {holdout}")
    if id_column is not None and id_column not in frame.columns:
        raise InputError(f"id column {id_column!r} is not in the data: pass the right --id")
    y = binary_target(frame, target, bad_value)
    X = frame.drop(columns=[target] + ([id_column] if id_column else []))
    if X.shape[1] == 0:
        raise InputError("the data has no feature columns besides the target and the id")
    X_train, X_test, y_train, y_test = holdout_split(X, y, holdout, seed)
    model.fit(X_train, y_train, progress=progress)

    train_scores = model.score(X_train)
    metadata: dict[str, Any] = {
        "target": target,
        "bad_value": bad_value,
        "id_column": id_column,
        "holdout_share": holdout,
        "seed": seed,
        "metrics": {"train": metrics.summary(y_train, train_scores)},
        "score_distribution": score_distribution(train_scores),
    }
    if X_test is not None:
        test_scores = model.score(X_test)
        metadata["metrics"]["holdout"] = metrics.summary(y_test, test_scores)
        metadata["calibration_holdout"] = metrics.band_table(
            y_test, test_scores, model.scaling_
        ).to_dict(orient="records")
    return TrainingResult(model=model, metadata=metadata)


def score_distribution(scores: np.ndarray) -> dict[str, list]:
    """Training score counts in 25-point buckets: the baseline for stability (PSI)."""
    return {
        "edges": list(metrics.SCORE_BUCKETS[1:-1]),
        "counts": metrics.bucket_counts(scores).tolist(),
    }


def score_frame(
    model: Scorecard, frame: pd.DataFrame, id_column: str | None = None
) -> pd.DataFrame:
    """Scores with ids, bands, sub-scores and reason codes (the ``credo score`` table)."""
    ids = None
    if id_column is not None:
        if id_column not in frame.columns:
            raise InputError(f"id column {id_column!r} is not in the data: pass the right --id")
        ids = frame[id_column]
    else:
        ids = pd.Series(np.arange(1, frame.shape[0] + 1), name="row")
    return explain_frame(model, frame, ids)
