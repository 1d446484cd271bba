"""Severe derogatory features: scored on top of the regression, never left out.

A feature declared ``severe`` in the data dictionary counts derogatory events (0: none
on record). It is not a candidate of the binning and the regression, whose evidence
rules a rare event seldom meets; instead, once the scorecard is fitted, each severe
feature gets two bins, "none" and "on record", and the extra log-odds of default that
being on record adds *given everything the scorecard already knows* is estimated by a
penalised logistic regression with the scorecard's own log-odds as offset. A record
costs those log-odds in points, and never less than the policy's floor
(:mod:`credo.policy.derogatories`), so a bankruptcy counts even in a sample that has
none. The bins are ordinary bins with integer points, so scoring, SQL, explanations and
the model file treat them like any other feature.
"""

from __future__ import annotations

import numpy as np

from credo.policy.derogatories import min_log_odds
from credo.scorecard import _kernels
from credo.scorecard.binning import Bin, FeatureBinning
from credo.scorecard.scaling import Scaling, whole_points

_ON_RECORD = 1.0
_NEWTON_STEPS = 25


def on_record(values: np.ndarray) -> np.ndarray:
    """1.0 where a derogatory is on record (a value of 1 or more), else 0.0."""
    return (np.nan_to_num(values, nan=0.0) >= _ON_RECORD).astype(np.float64)


def extra_log_odds(
    indicators: np.ndarray, offset: np.ndarray, target: np.ndarray, C: float
) -> np.ndarray:
    """Coefficients ``b`` maximising the log-likelihood of ``target`` under log-odds
    ``offset + indicators @ b``, less ``|b|^2 / (2 C)`` (the scorecard's own L2 penalty
    on the summed log-loss, which holds a coefficient near 0 when few rows carry it)."""
    k = indicators.shape[1]
    b = np.zeros(k)
    y = target.astype(np.float64)
    for _ in range(_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(offset + indicators @ b)))
        gradient = indicators.T @ (y - p) - b / C
        weights = p * (1.0 - p)
        hessian = (indicators * weights[:, None]).T @ indicators + np.eye(k) / C
        step = np.linalg.solve(hessian, gradient)
        b += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return b


def severe_binning(name: str, record: np.ndarray, target: np.ndarray, cost: int,
                   scaling: Scaling) -> FeatureBinning:
    """Bins "none", "on record" and "missing" (none), with the record's cost in points;
    ``record`` says which training rows hold one."""
    good, bad = _kernels.count_by_bin(record.astype(np.int8), target, 2)
    (none_good, rec_good), (none_bad, rec_bad) = good.astype(int).tolist(), bad.astype(int).tolist()
    woe = -cost / scaling.factor  # the log-odds the record adds, as a WOE (higher is safer)
    bins = [
        Bin(kind="interval", label=f"< {_ON_RECORD:g}", upper=_ON_RECORD, good=none_good,
            bad=none_bad, woe=0.0, points=0),
        Bin(kind="interval", label=f">= {_ON_RECORD:g}", lower=_ON_RECORD, good=rec_good,
            bad=rec_bad, woe=woe, points=-cost),
        Bin(kind="missing", label="missing", woe=0.0, points=0),
    ]
    binning = FeatureBinning(name=name, dtype="numeric", trend="ascending", bins=bins)
    goods, bads = max(none_good + rec_good, 1), max(none_bad + rec_bad, 1)
    binning.iv = (rec_good / goods - rec_bad / bads) * woe
    return binning


def record_cost(extra: float, scaling: Scaling) -> int:
    """Points a record costs: its estimated extra log-odds, at least the policy floor."""
    return whole_points(scaling.factor * max(float(extra), min_log_odds()))
