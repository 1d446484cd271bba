"""The challenger honours the monotone constraints taken from the catalogue's trends."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credo.features.catalogue import BY_NAME
from credo.features.engines import DuckDBEngine
from credo.governance import challenger, samples
from credo.scorecard.scaling import Scaling

from .conftest import TRAIN_AS_OF


def test_constraint_signs_follow_the_trends() -> None:
    assert challenger.constraint("late30_12m") == 1  # ascending: more is riskier
    assert challenger.constraint("income_monthly_12m") == -1  # descending
    assert challenger.constraint("card_limit_total") == 0  # no expectation
    assert challenger.constraint("employment_type") == 0  # categorical
    assert challenger.constraint("not_a_feature") == 0


def test_predictions_are_monotone_in_each_constrained_feature(world) -> None:
    engine = DuckDBEngine(memory_limit="1GB")
    try:
        frame = samples.with_bad(world.settings, engine, TRAIN_AS_OF)
    finally:
        engine.close()
    X, y = frame.drop(columns=["bad"]), frame["bad"].to_numpy()
    model = challenger.train_challenger(X, y, rounds=80)
    assert isinstance(challenger.prepare(X, model.features)["employment_type"].dtype,
                      pd.CategoricalDtype)
    rows = X.sample(60, random_state=0).reset_index(drop=True)
    checked = 0
    for name, sign in zip(model.features, model.constraints, strict=True):
        assert sign == challenger.constraint(name)
        if sign == 0:
            continue
        values = X[name].dropna().to_numpy(dtype=float)
        grid = np.unique(np.quantile(values, np.linspace(0, 1, 15)))
        if grid.size < 2:
            continue
        batch = rows.loc[rows.index.repeat(grid.size)].reset_index(drop=True)
        batch[name] = np.tile(grid, len(rows))
        p = model.predict_bad(batch).reshape(len(rows), grid.size)
        steps = np.diff(p, axis=1) * sign
        assert steps.min() >= -1e-12, (name, BY_NAME[name].trend)
        checked += 1
    assert checked >= 30
    scores = model.score(X, Scaling())
    assert scores.min() >= 350 and scores.max() <= 950


def test_the_scorecard_stays_champion_unless_beaten_by_the_margin() -> None:
    champion = {"auc": 0.80, "ks": 0.45, "calibration_error": 0.01}
    close = {"auc": 0.805, "ks": 0.46, "calibration_error": 0.01}
    clear = {"auc": 0.83, "ks": 0.47, "calibration_error": 0.02}
    assert challenger.decide(champion, close, margin=0.01)["winner"] == "champion"
    assert challenger.decide(champion, clear, margin=0.01)["winner"] == "challenger"
    assert challenger.decide(champion, clear, margin=0.05)["winner"] == "champion"
    worse_ks = {**clear, "ks": 0.40}
    assert challenger.decide(champion, worse_ks, margin=0.01)["winner"] == "champion"
