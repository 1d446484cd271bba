"""Fairness audit of scores by protected attribute (sex, age band, region).

The protected attributes never reach the model: they are kept apart from the lake and
read here only, joined to the scores by person id after scoring.

Definitions, for each attribute, group and band threshold t (the cut-offs of
policy.bands: the lower edges of fair, good, very good, excellent):

- approval rate: share of the group scoring t or more (a lender approving at t);
- adverse impact ratio (AIR): the group's approval rate over that of the most-approved
  group; under 0.8 is flagged (the four-fifths rule);
- true-positive rate (TPR): approval rate among the group's *truly good* people (no bad
  outcome in the 12 months after scoring) — "positive" means approved, and a good
  person approved is a true positive; the TPR difference is the group's TPR minus that
  of the most-approved group (equal opportunity asks for zero);
- what drives a gap: between the lowest- and the highest-scoring group, the mean
  points difference on every scorecard feature; their sum is the mean score gap
  (before clipping), so the top features are the gap's explanation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from credo.policy.bands import CUT_OFFS

THRESHOLDS: tuple[int, ...] = CUT_OFFS
ATTRIBUTES: tuple[str, ...] = ("sex", "age_band", "region")
AIR_FLAG = 0.8


def audit(
    scores: pd.DataFrame,
    protected: pd.DataFrame,
    points: pd.DataFrame | None = None,
    thresholds: tuple[int, ...] = THRESHOLDS,
    attributes: tuple[str, ...] = ATTRIBUTES,
    top: int = 5,
) -> dict[str, Any]:
    """``scores``: person_id, score and optionally bad; ``protected``: person_id and the
    attributes; ``points``: person_id and one column of points per scorecard feature."""
    frame = scores.merge(protected, on="person_id", how="inner")
    result: dict[str, Any] = {"thresholds": list(thresholds), "air_flag": AIR_FLAG,
                              "people": len(frame), "attributes": {}}
    for attribute in attributes:
        if attribute not in frame.columns:
            continue
        result["attributes"][attribute] = _attribute(frame, attribute, thresholds)
        if points is not None:
            result["attributes"][attribute]["drivers"] = drivers(
                frame[["person_id", attribute, "score"]], points, attribute, top
            )
    return result


def _attribute(frame: pd.DataFrame, attribute: str, thresholds: tuple[int, ...]) -> dict:
    groups = sorted(frame[attribute].dropna().astype(str).unique())
    labels = frame[attribute].astype(str)
    score = frame["score"].to_numpy()
    good = (frame["bad"].to_numpy() == 0) if "bad" in frame.columns else None
    rows: list[dict[str, Any]] = []
    for group in groups:
        mask = (labels == group).to_numpy()
        row: dict[str, Any] = {"group": group, "count": int(mask.sum()),
                               "mean_score": float(score[mask].mean()),
                               "approval": {}, "tpr": {}}
        if good is not None:
            row["bad_rate"] = float(1 - good[mask].mean())
        for t in thresholds:
            row["approval"][str(t)] = float((score[mask] >= t).mean())
            if good is not None:
                truly_good = mask & good
                row["tpr"][str(t)] = (
                    float((score[truly_good] >= t).mean()) if truly_good.any() else None
                )
        rows.append(row)
    flags: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"min_air": {}, "max_tpr_gap": {}, "reference": {}}
    for t in map(str, thresholds):
        reference = max(rows, key=lambda r: r["approval"][t])
        summary["reference"][t] = reference["group"]
        top_rate = reference["approval"][t]
        for row in rows:
            air = row["approval"][t] / top_rate if top_rate > 0 else 1.0
            row.setdefault("air", {})[t] = air
            if air < AIR_FLAG:
                flags.append({"group": row["group"], "threshold": int(t), "air": air})
            if good is not None:
                ref_tpr, own = reference["tpr"][t], row["tpr"][t]
                row.setdefault("tpr_difference", {})[t] = (
                    own - ref_tpr if own is not None and ref_tpr is not None else None
                )
        summary["min_air"][t] = min(r["air"][t] for r in rows)
        if good is not None:
            tprs = [r["tpr"][t] for r in rows if r["tpr"][t] is not None]
            summary["max_tpr_gap"][t] = max(tprs) - min(tprs) if tprs else None
    return {"groups": rows, "flags": flags, **summary}


def drivers(
    frame: pd.DataFrame, points: pd.DataFrame, attribute: str, top: int = 5
) -> dict[str, Any]:
    """Mean points per feature of the lowest-scoring group minus the highest-scoring."""
    joined = frame.merge(points, on="person_id", how="inner")
    features = [c for c in points.columns if c != "person_id"]
    means = joined.groupby(joined[attribute].astype(str))[["score", *features]].mean()
    low, high = means["score"].idxmin(), means["score"].idxmax()
    gaps = (means.loc[low, features] - means.loc[high, features]).astype(float)
    ordered = gaps.sort_values()
    return {
        "group": low,
        "reference": high,
        "score_gap": float(means.loc[low, "score"] - means.loc[high, "score"]),
        "points_gap": float(gaps.sum()),
        "features": [
            {"feature": name, "points_gap": float(value)}
            for name, value in ordered.head(top).items()
            if value < 0
        ],
        "offsetting": [
            {"feature": name, "points_gap": float(value)}
            for name, value in ordered[::-1].head(3).items()
            if value > 0
        ],
    }


def points_frame(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """person_id and the points of every scorecard feature, for :func:`drivers`."""
    matrix = model.points_matrix(frame)
    out = pd.DataFrame(matrix, columns=model.feature_names_, index=frame.index)
    out.insert(0, "person_id", frame["person_id"].to_numpy())
    return out


def has_parquet(path: Any) -> bool:
    """Whether ``path`` is a Parquet file, or a folder holding at least one."""
    from pathlib import Path

    path = Path(path)
    return path.exists() and (not path.is_dir() or any(path.glob("**/*.parquet")))


def read_protected(path: Any) -> pd.DataFrame | None:
    """The protected attributes (a Parquet file or folder), or None when absent."""
    import pyarrow.parquet as pq

    if not has_parquet(path):
        return None
    frame = pq.read_table(path).to_pandas()
    frame["person_id"] = frame["person_id"].astype(str)
    for column in ATTRIBUTES:
        if column in frame.columns:
            frame[column] = frame[column].astype(str)
    return frame.drop_duplicates("person_id")


def flag_count(result: dict[str, Any]) -> int:
    return int(np.sum([len(a["flags"]) for a in result["attributes"].values()]))
