"""Conditional bin values: each bin's log-odds refitted given every other feature.

A regression on weights of evidence gives each feature one coefficient, so the spacing
of its bins is their *marginal* spacing: how risk moves with the feature alone. With
correlated features (income and spending, utilisation and balances) the conditional
spacing, given the rest of the model, is often different, and one coefficient cannot
say so. Here the bins' values are refitted by backfitting: in turn, for each feature,
one penalised Newton step on its bins' log-odds with the other features held, followed
by a projection back onto the bins' shape (ascending, descending, a single peak or
valley: weighted isotonic regression), so points keep following the trend. The penalty
pulls every bin toward the regression's own value with ``prior`` units of Fisher
information (about ``p (1 - p)`` per row): on a small sample the refit barely moves, on
a large one each bin finds its conditional value. It is the logistic regression on bin
indicators under shape constraints, solved one feature at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from credo.scorecard import _kernels

if TYPE_CHECKING:
    from credo.scorecard.binning import FeatureBinning

ROUNDS = 4
TOLERANCE = 1e-4


@dataclass(frozen=True)
class BinShape:
    """Which bins of a feature are ordered (regular bins, in order) and their shape:
    "ascending"/"descending" risk, "peak" or "valley"; other bins are free."""

    shape: str
    regular: np.ndarray


def refit(
    bin_index: list[np.ndarray],
    start: list[np.ndarray],
    shapes: list[BinShape],
    intercept: float,
    target: np.ndarray,
    prior: float,
    rounds: int = ROUNDS,
) -> list[np.ndarray]:
    """Each feature's bin values (log-odds of bad added), refitted from ``start``.

    ``bin_index[j]`` holds every row's bin of feature ``j``; ``start[j]`` its bins'
    values from the regression (coefficient times WOE). A bin no row holds keeps its
    starting value (the caller decides what an empty bin is worth).
    """
    values = [v.astype(np.float64).copy() for v in start]
    y = np.ascontiguousarray(target, dtype=np.float64)
    eta = np.full(y.shape[0], float(intercept))
    for index, value in zip(bin_index, values, strict=True):
        _kernels.add_by_bin(eta, index, value)
    for _ in range(rounds):
        largest = 0.0
        for j, (index, shape) in enumerate(zip(bin_index, shapes, strict=True)):
            gradient, information = _kernels.logistic_sums_by_bin(
                eta, y, index, values[j].shape[0]
            )
            new = values[j] + (gradient - prior * (values[j] - start[j])) / (information + prior)
            new = project(new, information, shape)
            _kernels.add_by_bin(eta, index, new - values[j])
            largest = max(largest, float(np.max(np.abs(new - values[j]))))
            values[j] = new
        if largest < TOLERANCE:
            break
    return values


def project(values: np.ndarray, weights: np.ndarray, shape: BinShape) -> np.ndarray:
    """The nearest values (weighted least squares) whose regular bins follow the shape."""
    regular = shape.regular
    if regular.size < 2 or shape.shape not in ("ascending", "descending", "peak", "valley"):
        return values
    out = values.copy()
    w = np.maximum(weights[regular], 1e-12)
    v = values[regular]
    if shape.shape in ("ascending", "descending"):
        out[regular] = _isotonic(v, w, increasing=shape.shape == "ascending")
        return out
    out[regular] = _unimodal(v, w, peak=shape.shape == "peak")
    return out


def _isotonic(values: np.ndarray, weights: np.ndarray, increasing: bool) -> np.ndarray:
    if increasing:
        return _kernels.isotonic_increasing(values, weights)
    return -_kernels.isotonic_increasing(-values, weights)


def _unimodal(values: np.ndarray, weights: np.ndarray, peak: bool) -> np.ndarray:
    """Best single peak (rise then fall) or valley: every turning point is tried."""
    best, best_loss = values, np.inf
    for turn in range(values.size + 1):
        left = _isotonic(values[:turn], weights[:turn], peak) if turn else values[:0]
        right = (_isotonic(values[turn:], weights[turn:], not peak)
                 if turn < values.size else values[:0])
        fitted = np.concatenate([left, right])
        loss = float(np.sum(weights * (fitted - values) ** 2))
        if loss < best_loss:
            best, best_loss = fitted, loss
    return best


def settle_empty_bins(binning: FeatureBinning, value: np.ndarray) -> None:
    """Bins no training row holds have no value of their own: an unseen special value
    takes its interval's (so it follows the trend), a missing bin the feature's average
    over the rows (the population's odds, as a WOE of 0 stands for). In place."""
    counts = np.array([b.count for b in binning.bins], dtype=np.float64)
    average = float(np.average(value, weights=counts)) if counts.sum() else 0.0
    for k, b in enumerate(binning.bins):
        if b.count:
            continue
        if b.kind == "special" and binning.n_regular:
            value[k] = value[binning.interval_of(float(b.special_value))]
        elif b.kind == "missing":
            value[k] = average
