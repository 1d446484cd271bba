"""Stability monitoring between two monthly snapshots: PSI of the score, CSI per feature.

Both use the population stability index of :mod:`credo.scorecard.metrics`, with the
usual thresholds: under 0.10 stable, 0.10 to 0.25 watch, 0.25 or more act. The score is
counted in ten quantile bins of the baseline month; a numeric feature the same way with
missing values in a bin of their own (a feature that stops being reported is a shift
too); a categorical feature per category. An "act" anywhere makes the whole check act,
so ``credo monitor`` can stop a scheduled run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from credo.config import Settings
from credo.features.engines import Engine
from credo.governance import samples
from credo.scorecard import Scorecard
from credo.scorecard.metrics import PSI_ACT, PSI_WATCH, psi, psi_from_counts, psi_status

ORDER = {"stable": 0, "watch": 1, "act": 2}
EXIT_ACT = 3  # the exit code of credo monitor when something must be acted on


@dataclass
class StabilityReport:
    baseline: str
    current: str
    score_psi: float
    score_status: str
    features: list[dict[str, Any]] = field(default_factory=list)
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"watch": PSI_WATCH, "act": PSI_ACT}
    )

    @property
    def status(self) -> str:
        statuses = [self.score_status, *(f["status"] for f in self.features)]
        return max(statuses, key=ORDER.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline, "current": self.current, "status": self.status,
            "score_psi": self.score_psi, "score_status": self.score_status,
            "thresholds": self.thresholds, "features": self.features,
        }


def csi(baseline: pd.Series, current: pd.Series) -> float:
    """Characteristic stability index of one feature (PSI of its values)."""
    numeric = pd.api.types.is_numeric_dtype(baseline) and pd.api.types.is_numeric_dtype(
        current
    )
    if not numeric:
        left = baseline.astype("string").fillna("(missing)")
        right = current.astype("string").fillna("(missing)")
        categories = sorted(set(left.unique()) | set(right.unique()))
        e = left.value_counts().reindex(categories, fill_value=0).to_numpy()
        a = right.value_counts().reindex(categories, fill_value=0).to_numpy()
        return psi_from_counts(e, a)
    base = baseline.to_numpy(dtype=np.float64, na_value=np.nan)
    cur = current.to_numpy(dtype=np.float64, na_value=np.nan)
    base_known, cur_known = base[~np.isnan(base)], cur[~np.isnan(cur)]
    if base_known.size:
        edges = np.unique(np.quantile(base_known, np.linspace(0, 1, 11)[1:-1]))
    else:
        edges = np.zeros(0)

    def counts(values: np.ndarray, known: np.ndarray) -> np.ndarray:
        binned = np.bincount(np.searchsorted(edges, known, side="right"),
                             minlength=edges.size + 1)
        return np.r_[binned, values.size - known.size]

    return psi_from_counts(counts(base, base_known), counts(cur, cur_known))


def stability(
    baseline_features: pd.DataFrame,
    current_features: pd.DataFrame,
    baseline_scores: np.ndarray,
    current_scores: np.ndarray,
    baseline: str = "baseline",
    current: str = "current",
    features: list[str] | None = None,
) -> StabilityReport:
    """PSI of the score and CSI of every feature (by default every shared column)."""
    score_value = psi(np.asarray(baseline_scores), np.asarray(current_scores))
    names = features or [
        c for c in baseline_features.columns
        if c in current_features.columns and c not in ("person_id", "bad")
    ]
    rows = []
    for name in names:
        value = csi(baseline_features[name], current_features[name])
        rows.append({"feature": name, "csi": value, "status": psi_status(value)})
    rows.sort(key=lambda r: -r["csi"])
    return StabilityReport(baseline, current, score_value, psi_status(score_value), rows)


def compare_months(
    settings: Settings, engine: Engine, baseline: date, current: date,
    model: Scorecard | None,
) -> StabilityReport:
    """The stability of ``current`` against ``baseline``: each month's features (the
    cached table, else computed on ``engine``) and scores (the published ones, else
    ``model``'s: see :func:`credo.governance.samples.month_scores`)."""
    frames = {day: samples.features(settings, engine, day) for day in (baseline, current)}
    scores = {day: samples.month_scores(settings, day, frame, model)
              for day, frame in frames.items()}
    return stability(frames[baseline], frames[current], scores[baseline], scores[current],
                     str(baseline), str(current))


def shift_population(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """A deliberately shifted copy of a feature table, to check that monitoring flags it:
    a downturn where incomes fall by a third, card use rises and half the people gain a
    recent late payment. (For tests and drills; never applied to real data.)"""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    n = len(out)
    for name in ("income_monthly_6m", "income_monthly_12m", "salary_monthly_12m"):
        if name in out:
            out[name] = out[name] * 0.67
    if "spend_to_income_12m" in out:
        out["spend_to_income_12m"] = out["spend_to_income_12m"] * 1.5
    if "revolving_utilisation" in out:
        out["revolving_utilisation"] = (out["revolving_utilisation"] * 1.4).clip(upper=1.5)
    late = rng.random(n) < 0.5
    for name in ("late30_3m", "late30_6m", "late30_12m", "late30_24m", "paid_late_12m"):
        if name in out:
            out[name] = out[name].fillna(0) + late.astype(np.int64)
    if "days_since_late30" in out:
        out.loc[late, "days_since_late30"] = 20
    if "max_days_past_due_24m" in out:
        out.loc[late, "max_days_past_due_24m"] = out.loc[late, "max_days_past_due_24m"].clip(
            lower=35)
    for name in ("on_time_share_12m", "card_paid_in_full_share_24m"):
        if name in out:
            out.loc[late, name] = out.loc[late, name] * 0.8
    if "paid_late_share_24m" in out:
        out.loc[late, "paid_late_share_24m"] = (out.loc[late, "paid_late_share_24m"].fillna(0)
                                                + 0.1).clip(upper=1.0)
    return out
