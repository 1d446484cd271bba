"""A plain-text report of a scorecard on a table: the model, its bins, and how it does.

:func:`report_summary` gathers the figures (``credo report --json`` prints them as they
are); :func:`report_text` lays the same figures out for reading.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from credo.scorecard import metrics
from credo.scorecard.model import Scorecard

BUCKET_WIDTH = 25  # metrics.SCORE_BUCKETS are 25 points apart


def report_summary(
    model: Scorecard,
    document: dict[str, Any],
    frame: pd.DataFrame,
    target: np.ndarray | None,
) -> dict[str, Any]:
    """The figures of the report: the model, and how it scores ``frame``."""
    scores = model.score(frame)
    training = document.get("training", {})
    scaling = model.scaling_
    psi = None
    baseline = document.get("metadata", {}).get("score_distribution")
    if baseline:
        edges = np.array(baseline["edges"])
        counts = np.bincount(
            np.searchsorted(edges, scores, side="right"), minlength=edges.size + 1
        )
        psi = float(metrics.psi_from_counts(np.array(baseline["counts"]), counts))
    buckets = metrics.bucket_counts(scores)
    return {
        "model_id": document.get("model_id"),
        "created_at": document.get("created_at"),
        "training_rows": training.get("rows"),
        "training_bad_rate": training.get("bad_rate"),
        "fingerprint": training.get("fingerprint"),
        "scale": {"base_score": scaling.base_score, "base_odds": scaling.base_odds,
                  "pdo": scaling.pdo, "score_min": scaling.score_min,
                  "score_max": scaling.score_max},
        "protected_excluded": list(model.protected_),
        "features": [
            {"name": f.name, "dimension": f.dimension, "trend": f.binning.trend,
             "iv": float(f.binning.iv), "bins": len(f.binning.bins),
             "worst_points": int(f.worst_points), "best_points": int(f.best_points)}
            for f in model.features_
        ],
        "left_out": [{"feature": e.feature, "reason": e.reason}
                     for e in model.selection_ if not e.selected],
        "rows": len(scores),
        "score_min": int(scores.min()),
        "score_max": int(scores.max()),
        "score_median": int(np.median(scores)),
        "psi_against_training": psi,
        "psi_status": None if psi is None else metrics.psi_status(psi),
        "performance": None if target is None else metrics.summary(target, scores),
        "bands": ([] if target is None else
                  metrics.band_table(target, scores, scaling).to_dict(orient="records")),
        "score_distribution": [
            {"low": int(metrics.SCORE_BUCKETS[k]),
             "high": int(metrics.SCORE_BUCKETS[k]) + BUCKET_WIDTH - 1, "count": int(count)}
            for k, count in enumerate(buckets) if count
        ],
    }


def report_text(summary: dict[str, Any]) -> str:
    out: list[str] = []
    add = out.append
    add(f"Model {summary['model_id']} (created {summary['created_at']})")
    rows = summary["training_rows"]
    add(
        f"Trained on {'?' if rows is None else f'{rows:,}'} rows, bad rate "
        f"{summary['training_bad_rate'] or 0:.1%}, data {summary['fingerprint']}"
    )
    scale = summary["scale"]
    add(
        f"Scale: {scale['base_score']:g} points at odds {scale['base_odds']:g}:1, "
        f"{scale['pdo']:g} points to double the odds, clipped to "
        f"{scale['score_min']:g}-{scale['score_max']:g}"
    )
    if summary["protected_excluded"]:
        add(f"Protected attributes kept out of the model: "
            f"{', '.join(summary['protected_excluded'])}")
    add("")
    add(f"{'feature':<44} {'dimension':<20} {'trend':<10} {'IV':>7} {'bins':>5} {'points':>11}")
    for f in summary["features"]:
        add(
            f"{f['name'][:44]:<44} {f['dimension']:<20} {f['trend']:<10} {f['iv']:>7.3f} "
            f"{f['bins']:>5} {f['worst_points']:>5}..{f['best_points']:<5}"
        )
    if summary["left_out"]:
        add("")
        add("Left out:")
        for e in summary["left_out"]:
            add(f"  {e['feature']}: {e['reason']}")

    add("")
    add(f"On this data: {summary['rows']:,} rows, scores {summary['score_min']}-"
        f"{summary['score_max']}, median {summary['score_median']}")
    if summary["psi_against_training"] is not None:
        add(f"Score stability against training (PSI): {summary['psi_against_training']:.4f} "
            f"({summary['psi_status']})")
    performance = summary["performance"]
    if performance is not None:
        add(f"AUC {performance['auc']:.4f}   Gini {performance['gini']:.4f}   "
            f"KS {performance['ks']:.4f}")
        add("")
        header = ("band", "scores", "count", "share", "observed", "predicted")
        add("{:<10} {:<8} {:>7} {:>7} {:>9} {:>9}".format(*header))
        for row in summary["bands"]:
            observed = "-" if row["count"] == 0 else f"{row['observed_bad_rate']:.1%}"
            predicted = "-" if row["count"] == 0 else f"{row['predicted_bad_rate']:.1%}"
            add(f"{row['band']:<10} {row['scores']:<8} {row['count']:>7,} {row['share']:>7.1%} "
                f"{observed:>9} {predicted:>9}")
    add("")
    add("Score distribution:")
    peak = max([b["count"] for b in summary["score_distribution"]] + [1])
    for b in summary["score_distribution"]:
        bar = "#" * max(1, round(40 * b["count"] / peak))
        add(f"  {b['low']:>3}-{b['high']:<3} {bar:<40} {b['count']:,}")
    return "\n".join(out)
