"""Benchmark LightGBM as a non-scorecard reference challenger (run with .venv-peers)."""

from __future__ import annotations

import os
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from common import SEED, Dataset, run_benchmark

THREADS = os.cpu_count() or 1


def _prepare(X: pd.DataFrame, categories: dict[str, pd.Index]) -> pd.DataFrame:
    # LightGBM's native categorical handling needs pandas 'category' with the
    # training levels, so test rows map to the same codes.
    X = X.copy()
    for c, levels in categories.items():
        X[c] = pd.Categorical(X[c], categories=levels)
    return X


def fit(ds: Dataset) -> Any:
    categories = {c: pd.Index(sorted(ds.X_train[c].dropna().unique())) for c in ds.categorical}
    if len(ds.X_train) < 50_000:
        # LightGBM's defaults overfit 700 rows: shallower trees, slower learning.
        params = {"n_estimators": 300, "learning_rate": 0.02, "num_leaves": 7,
                  "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8}
    else:
        params = {}  # its defaults (100 trees, 31 leaves): the untuned challenger
    model = lgb.LGBMClassifier(**params, random_state=SEED, n_jobs=THREADS, verbose=-1)
    model.fit(_prepare(ds.X_train, categories), ds.y_train)
    model.categories_ = categories
    return model


def score(model: Any, X: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(_prepare(X, model.categories_))[:, 1]


if __name__ == "__main__":
    run_benchmark(
        "lightgbm",
        lgb.__version__,
        fit,
        score,
        None,
        higher_score_is_safer=False,
        notes=[f"reference challenger, not a scorecard; {THREADS} threads; scored as probability"],
    )
