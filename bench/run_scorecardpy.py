"""Benchmark scorecardpy's woebin + LogisticRegression + scorecard (run with .venv-peers)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import scorecardpy as scp
from sklearn.linear_model import LogisticRegression

from common import TARGET, Dataset, run_benchmark

warnings.filterwarnings("ignore")  # scorecardpy is chatty with pandas FutureWarnings


def fit(ds: Dataset) -> Any:
    train = ds.X_train.assign(**{TARGET: ds.y_train})
    bins = scp.woebin(train, y=TARGET, method="tree", print_step=0)  # its defaults
    woe = scp.woebin_ply(train, bins, print_step=0)
    xcols = [c for c in woe.columns if c != TARGET]
    lr = LogisticRegression(max_iter=1000)
    lr.fit(woe[xcols], ds.y_train)
    card = scp.scorecard(bins, lr, xcols)  # points0=600, pdo=50 defaults
    return card


def score(model: Any, X: pd.DataFrame) -> np.ndarray:
    return scp.scorecard_ply(X, model, only_total_score=True, print_step=0)["score"].to_numpy()


if __name__ == "__main__":
    run_benchmark(
        "scorecardpy",
        scp.__version__ if hasattr(scp, "__version__") else "0.1.9.7",
        fit,
        score,
        None,
        higher_score_is_safer=True,
        notes=["woebin(method='tree') + LogisticRegression + scorecard, all defaults"],
    )
