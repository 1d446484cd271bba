"""Cross-validated tuning: the fit parameters a scorecard chooses on its training data.

Every candidate of the grid is fitted and measured on the same stratified folds of the
training rows (never on anything else); the best mean held-out AUC wins.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from credo.errors import ConfigError, InputError
from credo.scorecard.parameters import FIT_PARAMETERS

TUNING_GRID: dict[str, tuple[Any, ...]] = {"min_bin_share": (0.02, 0.05, 0.1), "C": (0.1, 1.0)}
TUNE_AUTO_MAX_ROWS = 20_000


class Candidate(Protocol):
    """What tuning needs of a model: fit it, then rank rows by its points."""

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Candidate: ...

    def raw_points(self, X: pd.DataFrame) -> np.ndarray: ...


def tuning_grid(
    tune: bool | str | Mapping[str, Any] | None, given: Mapping[str, Any], cv: int,
    n_rows: int,
) -> dict[str, list[Any]]:
    """The candidates of every tuned parameter (``given``: the fit parameters by flat
    name, see :mod:`credo.scorecard.parameters`), or none when the model is not tuned."""
    if tune is False or tune is None:
        return {}
    if tune == "auto":
        if n_rows >= TUNE_AUTO_MAX_ROWS:
            return {}
        tune = True
    grid = dict(TUNING_GRID) if tune is True else dict(tune)  # type: ignore[arg-type]
    if not isinstance(grid, dict) or not grid:
        raise ConfigError("tune must be False, True, 'auto' or a mapping of parameters")
    unknown = sorted(set(grid) - set(FIT_PARAMETERS))
    if unknown:
        raise ConfigError(
            f"cannot tune {unknown}: tunable parameters are {', '.join(FIT_PARAMETERS)}"
        )
    if not 2 <= int(cv) <= 20:
        raise ConfigError(f"cv must be between 2 and 20 folds, got {cv}")
    # The given value of each parameter is a candidate too, and comes first.
    return {
        name: list(dict.fromkeys([given[name], *values]))
        for name, values in grid.items()
    }


def cross_validate(
    candidate: Callable[[dict[str, Any]], Candidate], X: pd.DataFrame, target: np.ndarray,
    grid: dict[str, list[Any]], cv: int, random_state: int, tick: Callable[[str], None],
) -> dict[str, Any]:
    """Mean held-out AUC of every candidate over the same stratified folds;
    ``candidate`` makes an unfitted model from a grid point's values."""
    # Imported here: the metrics bring in scipy.stats, which costs half a second to
    # import, and plain fitting and scoring never need it.
    from credo.scorecard import metrics

    folds = stratified_folds(target, int(cv), random_state)
    names = list(grid)
    results = []
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        tick(f"cross-validating {point}")
        aucs = []
        for k in range(int(cv)):
            train, test = folds != k, folds == k
            try:
                model = candidate(point).fit(X.iloc[np.flatnonzero(train)], target[train])
                raw = model.raw_points(X.iloc[np.flatnonzero(test)])
                aucs.append(metrics.auc(target[test], raw))
            except InputError:
                aucs.append(0.5)  # no usable model on this fold: no better than chance
        results.append({"params": point, "auc_mean": float(np.mean(aucs)),
                        "auc_sd": float(np.std(aucs))})
    best = max(range(len(results)), key=lambda i: (results[i]["auc_mean"], -i))
    return {"folds": int(cv), "random_state": random_state,
            "candidates": results, "chosen": results[best]["params"]}


def stratified_folds(target: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) of every row: each class shuffled by the seed, then dealt
    out in turn, so every fold has the same bad rate (within one row)."""
    rng = np.random.default_rng(seed)
    folds = np.empty(target.shape[0], dtype=np.int64)
    for value in (0, 1):
        rows = np.flatnonzero(target == value)
        rng.shuffle(rows)
        folds[rows] = np.arange(rows.size) % k
    return folds
