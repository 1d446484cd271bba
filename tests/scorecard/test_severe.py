"""Severe derogatories always count, however rare, and more when the data shows more."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.policy.derogatories import MIN_ODDS_RATIO
from credo.scorecard import DataDictionary, Scorecard, artifact
from credo.scorecard.explain import explain_one
from credo.scorecard.severe import extra_log_odds
from credo.scorecard.sql import to_sql

DICTIONARY = DataDictionary.from_dict({"features": {
    "bankruptcies": {"dimension": "credit_history", "severe": True,
                     "description": "Bankruptcies on record"},
    "late": {"dimension": "credit_history", "trend": "ascending"},
}})
FLOOR = round(50 * np.log(MIN_ODDS_RATIO) / np.log(2))  # points of the odds ratio at PDO 50


def _table(n=20_000, share=0.004, rate=0.45, seed=0):
    rng = np.random.default_rng(seed)
    late = rng.poisson(0.5, n).astype(float)
    bankrupt = (rng.random(n) < share).astype(float)
    risk = 1 / (1 + np.exp(-(-3.0 + 0.8 * late)))
    risk = np.where(bankrupt == 1, rate, risk)
    y = (rng.random(n) < risk).astype(np.uint8)
    return pd.DataFrame({"late": late, "bankruptcies": bankrupt}), y


def _cost(model, name="bankruptcies"):
    feature = next(f for f in model.features_ if f.name == name)
    return feature.best_points - feature.worst_points


def test_a_rare_bankruptcy_with_strong_evidence_costs_what_the_data_says():
    X, y = _table()
    model = Scorecard(dictionary=DICTIONARY).fit(X, y)
    # 0.4 % of people, 45 % of whom default against ~8 %: far more than one doubling
    assert _cost(model) > 2 * FLOOR
    entry = next(e for e in model.selection_ if e.feature == "bankruptcies")
    assert entry.selected and "severe derogatory" in entry.reason


def test_a_bankruptcy_counts_even_when_no_training_row_holds_one():
    X, y = _table(share=0.0)
    model = Scorecard(dictionary=DICTIONARY).fit(X, y)
    assert _cost(model) == FLOOR
    person = pd.DataFrame({"late": [0.0], "bankruptcies": [1.0]})
    clean = person.assign(bankruptcies=0.0)
    assert model.score(clean)[0] - model.score(person)[0] == FLOOR
    explanation = explain_one(model, person)
    assert explanation.reasons[0].feature == "bankruptcies"
    assert explanation.reasons[0].points_lost == FLOOR


def test_severe_bins_survive_the_model_file_and_the_sql(tmp_path):
    import duckdb

    X, y = _table()
    model = Scorecard(dictionary=DICTIONARY).fit(X, y)
    artifact.save(model, tmp_path / "m.json")
    loaded, _ = artifact.load(tmp_path / "m.json")
    np.testing.assert_array_equal(loaded.score(X), model.score(X))
    con = duckdb.connect()
    con.register("t", X.assign(id=range(len(X))))
    sql = con.sql(to_sql(model, "t", id_column="id") + " ORDER BY id").fetchnumpy()["score"]
    np.testing.assert_array_equal(sql, model.score(X))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), share=st.floats(0, 0.02), rate=st.floats(0, 1))
def test_a_record_never_costs_less_than_the_floor(seed, share, rate):
    X, y = _table(n=3000, share=share, rate=rate, seed=seed)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    model = Scorecard(dictionary=DICTIONARY).fit(X, y)
    assert _cost(model) >= FLOOR


def test_the_extra_log_odds_are_the_penalised_maximum_likelihood():
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    indicators = (rng.random((5000, 2)) < [0.01, 0.03]).astype(float)
    offset = rng.normal(-2.5, 1.0, 5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-(offset + indicators @ [1.2, 0.3])))).astype(int)

    def loss(b):
        eta = offset + indicators @ b
        return -(y * eta - np.logaddexp(0, eta)).sum() + (b @ b) / (2 * 0.3)

    expected = minimize(loss, np.zeros(2), method="BFGS", options={"gtol": 1e-9}).x
    np.testing.assert_allclose(extra_log_odds(indicators, offset, y, 0.3), expected, atol=1e-5)


def test_severe_must_be_true_or_false():
    from credo.errors import InputError

    with pytest.raises(InputError, match="severe must be true or false"):
        DataDictionary.from_dict({"features": {"b": {"severe": "yes"}}})
