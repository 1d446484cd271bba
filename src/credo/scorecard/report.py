"""A plain-text report of a scorecard on a table: the model, its bins, and how it does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from credo.scorecard import metrics
from credo.scorecard.model import Scorecard


def report_text(
    model: Scorecard,
    document: dict[str, Any],
    frame: pd.DataFrame,
    target: np.ndarray | None,
) -> str:
    scores = model.score(frame)
    out: list[str] = []
    add = out.append
    add(f"Model {document.get('model_id')} (created {document.get('created_at')})")
    training = document.get("training", {})
    add(
        f"Trained on {training.get('rows')} rows, bad rate {training.get('bad_rate', 0):.1%}, "
        f"data {training.get('fingerprint')}"
    )
    scaling = model.scaling_
    add(
        f"Scale: {scaling.base_score:g} points at odds {scaling.base_odds:g}:1, "
        f"{scaling.pdo:g} points to double the odds, clipped to "
        f"{scaling.score_min}-{scaling.score_max}"
    )
    if model.protected_:
        add(f"Protected attributes kept out of the model: {', '.join(model.protected_)}")
    add("")
    add(f"{'feature':<44} {'dimension':<20} {'trend':<10} {'IV':>7} {'bins':>5} {'points':>11}")
    for f in model.features_:
        add(
            f"{f.name[:44]:<44} {f.dimension:<20} {f.binning.trend:<10} {f.binning.iv:>7.3f} "
            f"{len(f.binning.bins):>5} {f.worst_points:>5}..{f.best_points:<5}"
        )
    left_out = [e for e in model.selection_ if not e.selected]
    if left_out:
        add("")
        add("Left out:")
        for e in left_out:
            add(f"  {e.feature}: {e.reason}")

    add("")
    add(f"On this data: {len(scores)} rows, scores {scores.min()}-{scores.max()}, "
        f"median {int(np.median(scores))}")
    baseline = document.get("metadata", {}).get("score_distribution")
    if baseline:
        edges = np.array(baseline["edges"])
        counts = np.bincount(
            np.searchsorted(edges, scores, side="right"), minlength=edges.size + 1
        )
        value = metrics.psi_from_counts(np.array(baseline["counts"]), counts)
        add(f"Score stability against training (PSI): {value:.4f} ({metrics.psi_status(value)})")
    if target is not None:
        summary = metrics.summary(target, scores)
        add(f"AUC {summary['auc']:.4f}   Gini {summary['gini']:.4f}   KS {summary['ks']:.4f}")
        add("")
        header = ("band", "scores", "count", "share", "observed", "predicted")
        add("{:<10} {:<8} {:>7} {:>7} {:>9} {:>9}".format(*header))
        for row in metrics.band_table(target, scores, scaling).itertuples():
            observed = "-" if row.count == 0 else f"{row.observed_bad_rate:.1%}"
            predicted = "-" if row.count == 0 else f"{row.predicted_bad_rate:.1%}"
            add(f"{row.band:<10} {row.scores:<8} {row.count:>7} {row.share:>7.1%} "
                f"{observed:>9} {predicted:>9}")
    add("")
    add("Score distribution:")
    counts = metrics.bucket_counts(scores)
    peak = max(int(counts.max()), 1)
    for k, count in enumerate(counts):
        if count:
            low = metrics.SCORE_BUCKETS[k]
            add(f"  {low:>3}-{low + 24:<3} {'#' * max(1, round(40 * count / peak)):<40} {count}")
    return "\n".join(out)
