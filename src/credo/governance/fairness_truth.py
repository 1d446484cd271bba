"""Fairness against the truth: how much of a group gap the model adds beyond the risk.

Groups can differ in true risk, so even a perfect ranking approves them at different
rates. When the true 12-month default probability of every person is known (simulated
populations keep it in the truth folder, apart from the lake), the audit compares the
model with the *truth's own* decisions:

- at each cut-off t the model approves a share a_t of the sample (score >= t); the
  truth approves the same number of people, those with the lowest true probability
  (people tied on it at the boundary are each approved with the same fraction, so the
  count is exact and no tie is broken by row order);
- for each protected attribute and group, both give an approval rate and a TPR
  (approved among the truly good: no bad outcome, the same people for both);
- a group's TPR gap is the reference group's TPR minus its own, the reference being the
  group the *model* approves most at that cut-off (the same group on both sides, so
  the two gaps are comparable); its AIR is its approval rate over the reference's;
- the model's **excess TPR gap** is its TPR gap minus the truth's, and its **excess AIR
  gap** is the truth's AIR minus its own (the AIR shortfall beyond the truth's):
  positive means the model sets the group back more than its risk does;
- per attribute: the largest TPR gap (highest minus lowest group TPR) and the lowest AIR
  (against each side's own most-approved group), for the model and the truth, and the
  group excess TPR gap furthest from zero.

The team's goal: on age bands, every group's model TPR gap within 0.03 of the truth's
at every cut-off; misses are listed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from credo.governance.fairness import ATTRIBUTES, THRESHOLDS, has_parquet

GOAL_ATTRIBUTE = "age_band"
GOAL_TOLERANCE = 0.03
_EPS = 1e-12  # so that a figure exactly on a bound is not flagged by rounding


def read_true_pd(path: Any, as_of: date) -> pd.DataFrame | None:
    """person_id, as_of and true_pd of the month (a Parquet folder of the simulator's
    truth, one row per person and month), or None when there is none for the month."""
    import pyarrow.parquet as pq

    if not has_parquet(path):
        return None
    table = pq.read_table(
        path, columns=["person_id", "as_of", "true_pd"], filters=[("as_of", "=", as_of)]
    )
    if table.num_rows == 0:
        return None
    frame = table.to_pandas()
    frame["person_id"] = frame["person_id"].astype(str)
    frame["as_of"] = str(as_of)
    return frame.drop_duplicates("person_id")


def truth_approval(true_pd: np.ndarray, count: int) -> np.ndarray:
    """Weight of approval (0..1) of every person when the ``count`` people with the
    lowest true PD are approved; the people tied at the boundary share what is left."""
    true_pd = np.asarray(true_pd, dtype=np.float64)
    n = true_pd.size
    if count <= 0:
        return np.zeros(n)
    if count >= n:
        return np.ones(n)
    boundary = np.partition(true_pd, count - 1)[count - 1]
    below = true_pd < boundary
    tied = true_pd == boundary
    weights = below.astype(np.float64)
    weights[tied] = (count - int(below.sum())) / int(tied.sum())
    return weights


def compare(
    scores: pd.DataFrame,
    protected: pd.DataFrame,
    truth: pd.DataFrame | None,
    thresholds: tuple[int, ...] = THRESHOLDS,
    attributes: tuple[str, ...] = ATTRIBUTES,
    goal_attribute: str = GOAL_ATTRIBUTE,
    tolerance: float = GOAL_TOLERANCE,
) -> dict[str, Any]:
    """``scores``: person_id, score and bad; ``protected``: person_id and the
    attributes; ``truth``: person_id, true_pd (and as_of), or None when unknown."""
    if truth is None or truth.empty:
        return {
            "available": False,
            "reason": "no true default probability for the sample's month (only "
            "simulated populations have one)",
        }
    frame = scores.merge(protected, on="person_id", how="inner").merge(
        truth[["person_id", "true_pd"]], on="person_id", how="inner"
    )
    frame = frame[np.isfinite(frame["true_pd"].to_numpy(dtype=np.float64))]
    if frame.empty:
        return {
            "available": False,
            "reason": "no person of the sample has a true default probability",
        }
    score = frame["score"].to_numpy()
    true_pd = frame["true_pd"].to_numpy(dtype=np.float64)
    bad = frame["bad"].to_numpy() if "bad" in frame.columns else None
    good = bad == 0 if bad is not None else np.zeros(len(frame), dtype=bool)
    model_approved, truth_weight = {}, {}
    for t in thresholds:
        approved = score >= t
        model_approved[t] = approved.astype(np.float64)
        truth_weight[t] = truth_approval(true_pd, int(approved.sum()))
    result: dict[str, Any] = {
        "available": True,
        "as_of": str(truth["as_of"].iloc[0]) if "as_of" in truth.columns else None,
        "people": len(frame),
        "sample_people": len(scores),
        "mean_true_pd": float(true_pd.mean()),
        "thresholds": list(thresholds),
        "approval": {str(t): float(model_approved[t].mean()) for t in thresholds},
        "attributes": {},
    }
    for attribute in attributes:
        if attribute in frame.columns:
            result["attributes"][attribute] = _attribute(
                frame[attribute].astype(str).to_numpy(),
                true_pd,
                good,
                bad,
                model_approved,
                truth_weight,
                thresholds,
            )
    result["goal"] = goal(result, goal_attribute, tolerance)
    return result


def _rates(weight: np.ndarray, mask: np.ndarray, good: np.ndarray) -> tuple[float, float | None]:
    truly_good = mask & good
    tpr = float(weight[truly_good].mean()) if truly_good.any() else None
    return float(weight[mask].mean()), tpr


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _attribute(
    labels: np.ndarray,
    true_pd: np.ndarray,
    good: np.ndarray,
    bad: np.ndarray | None,
    model_approved: dict[int, np.ndarray],
    truth_weight: dict[int, np.ndarray],
    thresholds: tuple[int, ...],
) -> dict[str, Any]:
    groups = sorted(set(labels))
    masks = {g: labels == g for g in groups}
    rows = {
        g: {
            "group": g,
            "count": int(m.sum()),
            "mean_true_pd": float(true_pd[m].mean()),
            "bad_rate": float(bad[m].mean()) if bad is not None else None,
            "model": {"approval": {}, "tpr": {}, "air": {}, "tpr_gap": {}},
            "truth": {"approval": {}, "tpr": {}, "air": {}, "tpr_gap": {}},
            "excess_tpr_gap": {},
            "excess_air_gap": {},
        }
        for g, m in masks.items()
    }
    reference: dict[str, str] = {}
    summary: dict[str, dict[str, Any]] = {}
    for t in thresholds:
        key = str(t)
        for side, weight in (("model", model_approved[t]), ("truth", truth_weight[t])):
            for g in groups:
                approval, tpr = _rates(weight, masks[g], good)
                rows[g][side]["approval"][key] = approval
                rows[g][side]["tpr"][key] = tpr
        # The group the model approves most (the audit's reference), for both sides.
        ref = max(groups, key=lambda g: rows[g]["model"]["approval"][key])
        reference[key] = ref
        for g in groups:
            for side in ("model", "truth"):
                own = rows[g][side]
                top = rows[ref][side]
                own["tpr_gap"][key] = _difference(top["tpr"][key], own["tpr"][key])
                own["air"][key] = _ratio(own["approval"][key], top["approval"][key])
            model, truth = rows[g]["model"], rows[g]["truth"]
            rows[g]["excess_tpr_gap"][key] = _difference(
                model["tpr_gap"][key], truth["tpr_gap"][key]
            )
            rows[g]["excess_air_gap"][key] = _difference(truth["air"][key], model["air"][key])
        figures: dict[str, Any] = {}
        for side in ("model", "truth"):
            tprs = [
                rows[g][side]["tpr"][key] for g in groups if rows[g][side]["tpr"][key] is not None
            ]
            approvals = [rows[g][side]["approval"][key] for g in groups]
            top_rate = max(approvals)
            figures[f"{side}_max_tpr_gap"] = max(tprs) - min(tprs) if tprs else None
            figures[f"{side}_min_air"] = min(approvals) / top_rate if top_rate > 0 else None
        figures["excess_max_tpr_gap"] = _difference(
            figures["model_max_tpr_gap"], figures["truth_max_tpr_gap"]
        )
        figures["excess_air_gap"] = _difference(figures["truth_min_air"], figures["model_min_air"])
        excesses = [rows[g]["excess_tpr_gap"][key] for g in groups]
        figures["largest_excess_tpr_gap"] = max(
            (e for e in excesses if e is not None), key=abs, default=None
        )
        summary[key] = figures
    return {"reference": reference, "groups": [rows[g] for g in groups], "summary": summary}


def goal(
    result: dict[str, Any], attribute: str = GOAL_ATTRIBUTE, tolerance: float = GOAL_TOLERANCE
) -> dict[str, Any]:
    """Every group of ``attribute`` whose model TPR gap is more than ``tolerance`` from
    the truth's at some cut-off (either way: the goal is to track the truth)."""
    section = result.get("attributes", {}).get(attribute)
    if section is None:
        return {
            "attribute": attribute,
            "tolerance": tolerance,
            "met": None,
            "misses": [],
            "largest": {},
        }
    misses = []
    largest = {t: f["largest_excess_tpr_gap"] for t, f in section["summary"].items()}
    for t in map(str, result["thresholds"]):
        for g in section["groups"]:
            excess = g["excess_tpr_gap"][t]
            if excess is not None and abs(excess) > tolerance + _EPS:
                misses.append(
                    {
                        "group": g["group"],
                        "threshold": int(t),
                        "model_tpr_gap": g["model"]["tpr_gap"][t],
                        "truth_tpr_gap": g["truth"]["tpr_gap"][t],
                        "excess_tpr_gap": excess,
                    }
                )
    return {
        "attribute": attribute,
        "tolerance": tolerance,
        "met": not misses,
        "misses": misses,
        "largest": largest,
    }
