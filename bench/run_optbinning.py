"""Benchmark optbinning's BinningProcess + Scorecard (run with .venv-peers)."""

from __future__ import annotations

from typing import Any

import numpy as np
import optbinning
import pandas as pd
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression

from common import Dataset, run_benchmark

# optbinning's own default trend ("auto") may pick peak/valley shapes; forcing
# ascending/descending measurably cost AUC on the U-shaped features, so keep it.
MONOTONIC_TREND = "auto"


def fit(ds: Dataset) -> Any:
    names = list(ds.X_train.columns)
    process = BinningProcess(
        variable_names=names,
        categorical_variables=ds.categorical,
        binning_fit_params={n: {"monotonic_trend": MONOTONIC_TREND} for n in names
                            if n not in ds.categorical},
    )
    sc = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=1000),
        scaling_method="min_max",
        scaling_method_params={"min": 350, "max": 950},  # same range as credo
    )
    sc.fit(ds.X_train, ds.y_train)
    return sc


def score(model: Any, X: pd.DataFrame) -> np.ndarray:
    return model.score(X)


def proba(model: Any, X: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


if __name__ == "__main__":
    run_benchmark(
        "optbinning",
        optbinning.__version__,
        fit,
        score,
        proba,
        higher_score_is_safer=True,
        notes=[f"BinningProcess(monotonic_trend={MONOTONIC_TREND!r}) + LogisticRegression"],
    )
