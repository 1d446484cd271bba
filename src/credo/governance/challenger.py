"""The challenger: gradient boosting (LightGBM) on the same sample as the scorecard.

It is constrained to the trend the catalogue expects of each feature, so it can never
learn that more late payments make a person safer: an ``ascending`` default-rate trend
means P(bad) may only rise with the value (constraint +1), ``descending`` only fall
(-1); features without a monotone expectation (none, peak, valley) and categorical ones
are free (0). Its probability is put on credo's 350-950 scale by the scorecard's
published mapping, so AUC, KS and calibration by band compare like with like.

The scorecard stays champion unless the challenger's out-of-time AUC beats it by at
least the operator's margin and it is no worse on KS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credo.features.catalogue import BY_NAME
from credo.scorecard import metrics
from credo.scorecard.scaling import Scaling

PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "lambda_l2": 1.0,
    "verbose": -1,
    # One thread, whatever credo.threads would allow: LightGBM's model depends on its
    # thread count, and a report's figures must not change with the machine's load
    # (on a busy machine a two-thread fit also took ten times as long).
    "num_threads": 1,
    "seed": 0,
    "deterministic": True,
}
ROUNDS = 300


def constraint(name: str) -> int:
    """+1: P(bad) non-decreasing in the feature; -1: non-increasing; 0: free."""
    spec = BY_NAME.get(name)
    if spec is None or spec.categorical:
        return 0
    return {"ascending": 1, "descending": -1}.get(spec.trend or "", 0)


def prepare(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    X = frame[features].copy()
    for name in features:
        spec = BY_NAME.get(name)
        if (spec is not None and spec.categorical) or not pd.api.types.is_numeric_dtype(X[name]):
            X[name] = X[name].astype("category")
        else:
            X[name] = X[name].astype(np.float64)
    return X


@dataclass
class Challenger:
    booster: Any
    features: list[str]
    constraints: list[int]
    categories: dict[str, list[str]]

    def predict_bad(self, frame: pd.DataFrame) -> np.ndarray:
        X = prepare(frame, self.features)
        for name, levels in self.categories.items():
            X[name] = pd.Categorical(X[name].astype("string"), categories=levels)
        return np.asarray(self.booster.predict(X), dtype=np.float64)

    def score(self, frame: pd.DataFrame, scaling: Scaling | None = None) -> np.ndarray:
        return probability_to_score(self.predict_bad(frame), scaling or Scaling())


def probability_to_score(probability: np.ndarray, scaling: Scaling) -> np.ndarray:
    p = np.clip(probability, 1e-9, 1 - 1e-9)
    return scaling.clip(np.round(scaling.offset + scaling.factor * np.log((1 - p) / p)))


def train_challenger(X: pd.DataFrame, y: np.ndarray, rounds: int = ROUNDS) -> Challenger:
    import lightgbm as lgb

    features = [c for c in X.columns if c not in ("person_id", "bad")]
    data = prepare(X, features)
    categories = {
        name: [str(v) for v in data[name].cat.categories]
        for name in features if isinstance(data[name].dtype, pd.CategoricalDtype)
    }
    for name, levels in categories.items():
        data[name] = pd.Categorical(data[name].astype("string"), categories=levels)
    constraints = [constraint(n) for n in features]
    params = {**PARAMS, "monotone_constraints": constraints,
              "monotone_constraints_method": "basic"}
    booster = lgb.train(params, lgb.Dataset(data, label=np.asarray(y, dtype=np.float64)),
                        num_boost_round=rounds)
    return Challenger(booster, features, constraints, categories)


def calibration_error(table: pd.DataFrame) -> float:
    """Share-weighted mean absolute gap between observed and predicted bad rate by band."""
    rows = table[table["count"] > 0]
    gaps = (rows["observed_bad_rate"] - rows["predicted_bad_rate"]).abs()
    return float((gaps * rows["share"]).sum() / rows["share"].sum())


def evaluate(bad: np.ndarray, score: np.ndarray, scaling: Scaling) -> dict[str, Any]:
    table = metrics.band_table(bad, score, scaling)
    return {
        **metrics.summary(bad, score),
        "calibration_error": calibration_error(table),
        "calibration": table.to_dict(orient="records"),
    }


def decide(champion: dict[str, Any], challenger: dict[str, Any], margin: float) -> dict[str, Any]:
    """Champion unless the challenger wins on AUC by ``margin`` and is no worse on KS."""
    gain = challenger["auc"] - champion["auc"]
    wins = gain >= margin and challenger["ks"] >= champion["ks"]
    return {
        "winner": "challenger" if wins else "champion",
        "auc_gain": gain,
        "ks_gain": challenger["ks"] - champion["ks"],
        "calibration_error_gain": champion["calibration_error"] - challenger["calibration_error"],
        "margin": margin,
        "rule": "the challenger replaces the scorecard only if its out-of-time AUC is higher "
                f"by at least {margin:.3f} and its KS is not lower",
    }
