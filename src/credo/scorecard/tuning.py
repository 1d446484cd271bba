"""Cross-validated tuning: the fit parameters a scorecard chooses on its training data.

Every candidate of the grid is fitted and measured on the same stratified folds of the
training rows (never on anything else); the best mean held-out AUC wins.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from credo.errors import ConfigError, InputError

if TYPE_CHECKING:
    from credo.scorecard.model import Scorecard

TUNING_GRID: dict[str, tuple[Any, ...]] = {"min_bin_share": (0.02, 0.05, 0.1), "C": (0.1, 1.0)}
TUNE_AUTO_MAX_ROWS = 20_000
# The parameters that shape a fit: each can be tuned and is recorded in the model file.
FIT_PARAMETERS = ("max_bins", "min_bin_share", "min_bin_count", "min_bin_bads", "n_prebins",
                  "trend",
                  "shape_gain", "min_rate_diff", "min_category_share", "woe_prior", "min_iv",
                  "max_correlation", "C", "refit_prior")


def tuning_grid(model: Scorecard, n_rows: int) -> dict[str, list[Any]]:
    """The candidates of every tuned parameter, or none when the model is not tuned."""
    tune = model.tune
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
    if not 2 <= int(model.cv) <= 20:
        raise ConfigError(f"cv must be between 2 and 20 folds, got {model.cv}")
    # The given value of each parameter is a candidate too, and comes first.
    return {
        name: list(dict.fromkeys([getattr(model, name), *values]))
        for name, values in grid.items()
    }


def cross_validate(
    model: Scorecard, X: pd.DataFrame, target: np.ndarray, grid: dict[str, list[Any]],
    tick: Callable[[str], None],
) -> dict[str, Any]:
    """Mean held-out AUC of every candidate over the same stratified folds."""
    # Imported here: the metrics bring in scipy.stats, which costs half a second to
    # import, and plain fitting and scoring never need it.
    from credo.scorecard import metrics

    folds = stratified_folds(target, int(model.cv), model.random_state)
    names = list(grid)
    results = []
    for values in itertools.product(*(grid[n] for n in names)):
        candidate = dict(zip(names, values, strict=True))
        tick(f"cross-validating {candidate}")
        aucs = []
        for k in range(int(model.cv)):
            train, test = folds != k, folds == k
            try:
                model = model._clone(**candidate).fit(
                    X.iloc[np.flatnonzero(train)], target[train]
                )
                raw = model.raw_points(X.iloc[np.flatnonzero(test)])
                aucs.append(metrics.auc(target[test], raw))
            except InputError:
                aucs.append(0.5)  # no usable model on this fold: no better than chance
        results.append({"params": candidate, "auc_mean": float(np.mean(aucs)),
                        "auc_sd": float(np.std(aucs))})
    best = max(range(len(results)), key=lambda i: (results[i]["auc_mean"], -i))
    return {"folds": int(model.cv), "random_state": model.random_state,
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
