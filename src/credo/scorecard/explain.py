"""Explanations: five dimension sub-scores and reason codes, per person.

Sub-score of a dimension: the person's points on that dimension's features, placed on
the same 350-950 scale between the fewest and the most points attainable there, so 950
means "the best this record can show on this dimension". A dimension with no feature in
the model has no sub-score.

Reason codes: the features that cost the person the most points against the best bin of
that feature, at most four, largest loss first; a feature that costs nothing is never a
reason. Ties are broken by the model's feature order, so explanations are stable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credo.dictionary import DIMENSION_TITLES, DIMENSIONS
from credo.policy.bands import band_of, bands_of
from credo.scorecard.model import Scorecard
from credo.scorecard.scaling import SCORE_MAX, SCORE_MIN

MAX_REASONS = 4

# A bin in words: (feature, bin label) -> what the label means. The estimator knows
# labels only; the caller that knows the features' units words them.
BinWords = Callable[[str, str], str]


def label_as_is(feature: str, label: str) -> str:
    return label


@dataclass(frozen=True)
class Reason:
    feature: str
    description: str
    bin_label: str
    points_lost: int

    def text(self, bin_words: BinWords = label_as_is) -> str:
        return (f"{self.description}: {bin_words(self.feature, self.bin_label)} "
                f"(costs {self.points_lost} points)")


@dataclass(frozen=True)
class Explanation:
    score: int
    band: str
    probability_of_default: float
    sub_scores: dict[str, int | None]
    reasons: list[Reason]
    contributions: list[tuple[str, str, int, int]]  # feature, bin, points, best points


def sub_scores(model: Scorecard, points: np.ndarray) -> dict[str, np.ndarray]:
    """Sub-score per dimension for every row of a points matrix (NaN where none)."""
    result: dict[str, np.ndarray] = {}
    for dimension in DIMENSIONS:
        columns = [j for j, f in enumerate(model.features_) if f.dimension == dimension]
        if not columns:
            result[dimension] = np.full(points.shape[0], np.nan)
            continue
        low = sum(model.features_[j].worst_points for j in columns)
        high = sum(model.features_[j].best_points for j in columns)
        mine = points[:, columns].sum(axis=1)
        span = max(high - low, 1)
        result[dimension] = np.rint(
            SCORE_MIN + (SCORE_MAX - SCORE_MIN) * (mine - low) / span
        )
    return result


def reason_codes(model: Scorecard, points: np.ndarray, limit: int = MAX_REASONS) -> np.ndarray:
    """Column indices of each row's reasons, shape (rows, limit); -1 where none."""
    best = np.array([f.best_points for f in model.features_], dtype=np.int32)
    loss = best[None, :] - points
    k = min(limit, loss.shape[1])
    # Stable sort of -loss keeps feature order among equal losses.
    order = np.argsort(-loss, axis=1, kind="stable")[:, :k]
    chosen_loss = np.take_along_axis(loss, order, axis=1)
    order = np.where(chosen_loss > 0, order, -1)
    if k < limit:
        order = np.hstack([order, np.full((order.shape[0], limit - k), -1)])
    return order


def explain_frame(
    model: Scorecard, X: pd.DataFrame, ids: pd.Series | None = None,
    points: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per input row: id, score, band, five sub-scores and four reason codes
    (``points``: the rows' points matrix, when the caller has it already)."""
    if points is None:
        points = model.points_matrix(X)
    raw = points.sum(axis=1)
    scores = model.scaling_.clip(raw)
    # The columns are made first and the frame once: adding them one at a time cost
    # more than the rest on the few rows of a what-if.
    columns: dict[str, Any] = {} if ids is None else {ids.name or "id": ids.to_numpy()}
    columns["score"] = scores
    columns["band"] = bands_of(scores)
    columns["probability_of_default"] = model.scaling_.probability_of_default(raw)
    for dimension, values in sub_scores(model, points).items():
        columns[dimension] = pd.array(values, dtype="Int32")
    names = np.array([f.name for f in model.features_] + [""], dtype=object)
    reasons = reason_codes(model, points)
    for r in range(reasons.shape[1]):
        columns[f"reason_{r + 1}"] = names[reasons[:, r]]
    return pd.DataFrame(columns, index=range(X.shape[0]))


def explain_one(model: Scorecard, row: pd.DataFrame) -> Explanation:
    """Everything about one person's score, for words or for a page."""
    points = model.points_matrix(row)
    raw = int(points.sum())
    score = int(model.scaling_.clip(np.array([raw]))[0])
    subs = {
        d: (None if np.isnan(v[0]) else int(v[0])) for d, v in sub_scores(model, points).items()
    }
    contributions = []
    for j, feature in enumerate(model.features_):
        bin_position = int(feature.binning.bin_index(row[feature.name])[0])
        contributions.append(
            (feature.name, feature.binning.bins[bin_position].label, int(points[0, j]),
             feature.best_points)
        )
    reasons = [
        Reason(
            feature=model.features_[j].name,
            description=model.features_[j].description,
            bin_label=contributions[j][1],
            points_lost=contributions[j][3] - contributions[j][2],
        )
        for j in reason_codes(model, points)[0]
        if j >= 0
    ]
    return Explanation(
        score=score,
        band=band_of(score),
        probability_of_default=float(model.scaling_.probability_of_default(raw)),
        sub_scores=subs,
        reasons=reasons,
        contributions=contributions,
    )


def explanation_text(explanation: Explanation, bin_words: BinWords = label_as_is) -> str:
    lines = [
        f"Score {explanation.score} ({explanation.band}); "
        f"estimated default probability {explanation.probability_of_default:.1%}",
        "",
        "By dimension (350-950, 950 is the best this record can show):",
    ]
    for dimension in DIMENSIONS:
        value = explanation.sub_scores.get(dimension)
        shown = "not scored" if value is None else str(value)
        lines.append(f"  {DIMENSION_TITLES[dimension]:<22} {shown}")
    lines.append("")
    if explanation.reasons:
        lines.append("What lowers the score most:")
        for k, reason in enumerate(explanation.reasons, start=1):
            lines.append(f"  {k}. {reason.text(bin_words)}")
    else:
        lines.append("Nothing lowers this score: every feature is at its best.")
    return "\n".join(lines)


def reason_details(model: Scorecard, X: pd.DataFrame, limit: int = MAX_REASONS,
                   points: np.ndarray | None = None) -> list[str]:
    """Per row, the reasons in plain words as JSON: feature, description, the person's
    bin and the points it costs against the best bin (``points``: as in
    :func:`explain_frame`)."""
    if points is None:
        points = model.points_matrix(X)
    reasons = reason_codes(model, points, limit)
    best = [f.best_points for f in model.features_]
    used = set(np.unique(reasons[reasons >= 0]).tolist())
    labels = []
    for j, feature in enumerate(model.features_):
        names = np.array([b.label for b in feature.binning.bins], dtype=object)
        labels.append(names[feature.binning.bin_index(X[feature.name])] if j in used else None)
    out = []
    for row in range(points.shape[0]):
        items = [
            {
                "feature": model.features_[j].name,
                "description": model.features_[j].description,
                "bin": str(labels[j][row]),
                "points_lost": int(best[j] - points[row, j]),
            }
            for j in reasons[row]
            if j >= 0
        ]
        out.append(json.dumps(items, ensure_ascii=False))
    return out
