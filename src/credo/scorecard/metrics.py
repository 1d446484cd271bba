"""Discrimination, stability and calibration measures of a score.

Conventions: ``bad`` is 1 for a bad outcome; ``score`` is higher for safer people, so a
good score ranks bads low. AUC is the probability that a random good outscores a random
bad (ties count half).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from credo.errors import InputError
from credo.policy.bands import BANDS, bands_of
from credo.scorecard.scaling import SCORE_MAX, SCORE_MIN, Scaling

PSI_WATCH = 0.10
PSI_ACT = 0.25
# Score distributions are counted in 25-point buckets: 350-374, 375-399, ..., 925-950.
SCORE_BUCKETS: tuple[int, ...] = tuple(range(350, 951, 25))


def _check(bad: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bad = np.asarray(bad).astype(np.int8)
    score = np.asarray(score, dtype=np.float64)
    if bad.shape != score.shape:
        raise InputError("outcomes and scores differ in length")
    if bad.min() == bad.max():
        raise InputError("AUC and KS need both good and bad outcomes")
    return bad, score


def auc(bad: np.ndarray, score: np.ndarray) -> float:
    bad, score = _check(bad, score)
    ranks = rankdata(score)  # ascending: high score, high rank
    n_bad = int(bad.sum())
    n_good = bad.size - n_bad
    rank_sum_good = ranks[bad == 0].sum()
    return float((rank_sum_good - n_good * (n_good + 1) / 2) / (n_good * n_bad))


def gini(bad: np.ndarray, score: np.ndarray) -> float:
    return 2.0 * auc(bad, score) - 1.0


def ks(bad: np.ndarray, score: np.ndarray) -> float:
    """Largest gap between the cumulative score distributions of bads and goods."""
    bad, score = _check(bad, score)
    order = np.argsort(score, kind="stable")
    sorted_score = score[order]
    sorted_bad = bad[order]
    cum_bad = np.cumsum(sorted_bad) / sorted_bad.sum()
    cum_good = np.cumsum(1 - sorted_bad) / (sorted_bad.size - sorted_bad.sum())
    # Only compare at the end of each run of tied scores.
    last_of_tie = np.r_[sorted_score[1:] != sorted_score[:-1], True]
    return float(np.max(np.abs(cum_bad - cum_good)[last_of_tie]))


def psi(expected: np.ndarray, actual: np.ndarray, edges: np.ndarray | None = None) -> float:
    """Population stability index of ``actual`` against ``expected``.

    Both are samples of the same measure; they are counted in bins (by default ten
    quantile bins of ``expected``). Empty bins get half a count so that PSI stays finite.
    """
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    if expected.size == 0 or actual.size == 0:
        raise InputError("PSI needs two non-empty samples")
    if edges is None:
        edges = np.unique(np.quantile(expected, np.linspace(0, 1, 11)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=edges.size + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=edges.size + 1)
    return psi_from_counts(e, a)


def psi_from_counts(expected_counts: np.ndarray, actual_counts: np.ndarray) -> float:
    e = np.asarray(expected_counts, dtype=np.float64) + 0.5
    a = np.asarray(actual_counts, dtype=np.float64) + 0.5
    e /= e.sum()
    a /= a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def psi_status(value: float) -> str:
    if value >= PSI_ACT:
        return "act"
    return "watch" if value >= PSI_WATCH else "stable"


def bucket_counts(scores: np.ndarray) -> np.ndarray:
    """How many scores fall in each 25-point bucket (the last one includes 950)."""
    edges = np.array(SCORE_BUCKETS[1:-1])
    return np.bincount(np.searchsorted(edges, scores, side="right"), minlength=edges.size + 1)


def band_table(bad: np.ndarray, score: np.ndarray, scaling: Scaling) -> pd.DataFrame:
    """Observed vs predicted bad rate per score band (predicted from the score mapping)."""
    bad = np.asarray(bad).astype(np.int8)
    score = np.asarray(score)
    names = bands_of(score)
    predicted = scaling.probability_of_default(score)
    rows = []
    for band in BANDS:
        mask = names == band.name
        count = int(mask.sum())
        rows.append(
            {
                "band": band.name,
                "scores": f"{band.low}-{band.high}",
                "count": count,
                "share": count / max(score.size, 1),
                "observed_bad_rate": float(bad[mask].mean()) if count else None,
                "predicted_bad_rate": float(predicted[mask].mean()) if count else None,
            }
        )
    frame = pd.DataFrame(rows)
    # An empty band has no rate: None, which a model file can hold (NaN is not JSON).
    for column in ("observed_bad_rate", "predicted_bad_rate"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def summary(bad: np.ndarray, score: np.ndarray) -> dict[str, float]:
    area = auc(bad, score)
    return {"auc": area, "gini": 2 * area - 1, "ks": ks(bad, score), "rows": int(np.size(bad))}


def _shares_at_or_below(bad: np.ndarray, score: np.ndarray, cuts: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the bads and of the goods scoring at or below each cut-off: one sort
    per class, then a binary search per cut-off."""
    bad_a = np.asarray(bad).astype(bool)
    score_a = np.asarray(score, dtype=np.float64)
    bads, goods = np.sort(score_a[bad_a]), np.sort(score_a[~bad_a])
    at_bads, at_goods = (np.searchsorted(o, cuts, side="right") / max(o.size, 1)
                         for o in (bads, goods))
    return at_bads, at_goods


def roc_curve(bad: np.ndarray, score: np.ndarray, points: int = 101
              ) -> tuple[list[float], list[float]]:
    """False- and true-positive rates of calling "bad" below each score cut-off."""
    cuts = np.unique(np.quantile(np.asarray(score, dtype=np.float64), np.linspace(0, 1, points)))
    tpr, fpr = _shares_at_or_below(bad, score, cuts)
    return [0.0, *map(float, fpr), 1.0], [0.0, *map(float, tpr), 1.0]


def ks_curve(bad: np.ndarray, score: np.ndarray, step: int = 10
             ) -> tuple[list[int], list[float], list[float]]:
    """Cumulative shares of bads and of goods at or below each score cut-off (the KS
    statistic is the largest gap between the two)."""
    cuts = np.arange(SCORE_MIN, SCORE_MAX + 1, step)
    bads, goods = _shares_at_or_below(bad, score, cuts)
    return ([int(c) for c in cuts], [round(float(v), 5) for v in bads],
            [round(float(v), 5) for v in goods])
