"""The estimator: what a risk analyst relies on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from credo.errors import ConfigError, InputError, NotFittedError
from credo.scorecard import DataDictionary, Scorecard, metrics
from credo.scorecard.explain import explain_frame
from credo.scorecard.logistic import _weighted_cross_product, fit_logistic

from .conftest import make_table


def test_german_credit_holdout_discrimination(german):
    X, y, dictionary = german
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    model = Scorecard(dictionary=dictionary).fit(X_train, y_train)
    assert metrics.auc(y_test.to_numpy(), model.score(X_test)) > 0.76


def test_protected_attributes_are_never_inputs(german, german_model):
    _, _, dictionary = german
    inputs = {f.name for f in german_model.features_} | set(german_model.binnings_)
    assert not inputs & dictionary.protected
    assert set(german_model.protected_) == dictionary.protected


def test_changing_a_protected_attribute_never_moves_a_score(german, german_model):
    X, _, _ = german
    changed = X.copy()
    changed["age_in_years"] = 99
    changed["personal_status_and_sex"] = "female : single"
    changed["foreign_worker"] = "no"
    assert (german_model.score(changed) == german_model.score(X)).all()


def test_wrong_sign_feature_is_dropped_not_kept():
    X, y = make_table(6000, seed=4)
    # A near-copy of utilisation: together they fight, and one comes out with the
    # wrong sign unless it is dropped.
    X["utilisation_copy"] = X["utilisation"] + np.random.default_rng(9).normal(0, 0.3, len(X))
    model = Scorecard(max_correlation=1.0).fit(X, y)
    assert all(f.coefficient < 0 for f in model.features_)
    reasons = {e.feature: e.reason for e in model.selection_ if not e.selected}
    if "utilisation_copy" in reasons or "utilisation" in reasons:
        assert any("wrong sign" in r for r in reasons.values())


def test_correlated_feature_is_left_out_with_a_reason():
    X, y = make_table(6000, seed=5)
    X["income_again"] = X["income"] * 1.01
    model = Scorecard().fit(X, y)
    left_out = {e.feature: e.reason for e in model.selection_ if not e.selected}
    assert any("correlation" in r for r in left_out.values())
    assert {"income", "income_again"} - set(left_out)


def test_newton_solver_matches_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X @ [1, -0.5, 0.2, 0, 2] - 1)))).astype(int)
    for C in (0.05, 1.0, 100.0):
        ours = fit_logistic(X, y, C=C, tol=1e-10)
        ref = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(ours.coef, ref.coef_[0], atol=1e-5)
        assert abs(ours.intercept - ref.intercept_[0]) < 1e-5


def test_newton_solver_on_float32_columns_lands_on_the_float64_optimum():
    """The model's large matrix is float32: its products run in float32, the rest not."""
    rng = np.random.default_rng(3)
    X = rng.choice([-1.2, -0.3, 0.1, 0.8, 1.7], size=(20_000, 6))  # WOE-like levels
    y = (rng.random(20_000) < 1 / (1 + np.exp(-(X @ [0.9, -0.4, 0.6, 0.1, -1.0, 0.3]
                                                  - 1.2)))).astype(int)
    exact = LogisticRegression(C=0.3, tol=1e-12, max_iter=10_000).fit(X, y)
    single = fit_logistic(np.asfortranarray(X, dtype=np.float32), y, C=0.3, tol=1e-10)
    np.testing.assert_allclose(single.coef, exact.coef_[0], atol=1e-5)
    assert abs(single.intercept - exact.intercept_[0]) < 1e-5


@pytest.mark.parametrize("order", ["C", "F"])
def test_weighted_cross_product_matches_the_plain_formula_across_blocks(order):
    rng = np.random.default_rng(1)
    X = np.asarray(rng.normal(size=(1001, 6)), order=order)
    w = rng.random(1001)
    w[::5] = 0.0  # a weight of zero (a probability of exactly 0 or 1) is allowed
    expected = X.T @ (w[:, None] * X)
    for block in (7, 1000, 1001, 4096):
        np.testing.assert_allclose(_weighted_cross_product(X, w, block=block), expected,
                                   rtol=1e-12, atol=1e-9)


def test_scores_rank_like_probabilities_and_higher_is_safer(german_model, german):
    X, y, _ = german
    scores = german_model.score(X)
    bad = german_model.predict_proba(X)[:, 1]
    inside = (scores > 350) & (scores < 950)  # clipping ties the ends together
    order = np.argsort(scores[inside])
    assert np.all(np.diff(bad[inside][order]) <= 1e-12)
    assert metrics.auc(y.to_numpy(), scores) > 0.5


@given(seed=st.integers(0, 2**31), rows=st.integers(50, 400), nan_share=st.floats(0, 1))
def test_any_input_scores_within_350_to_950(german_model, german, seed, rows, nan_share):
    """Whatever the values (missing, unseen, extreme), scores stay in range."""
    X, _, _ = german
    rng = np.random.default_rng(seed)
    sample = X.sample(rows, replace=True, random_state=seed).reset_index(drop=True)
    for column in sample.columns:
        mask = rng.random(rows) < nan_share
        if sample[column].dtype == object or str(sample[column].dtype) in ("str", "string"):
            sample[column] = sample[column].astype(object)
            sample.loc[mask, column] = rng.choice([None, "never seen", "'; DROP TABLE x;--"])
        else:
            sample[column] = sample[column].astype(float)
            sample.loc[mask, column] = rng.choice([np.nan, -1e308, 1e308, 0.0, np.inf])
    scores = german_model.score(sample)
    assert scores.dtype == np.int32
    assert scores.min() >= 350 and scores.max() <= 950
    # One PD rule: the probability is the published mapping of the published score.
    published = german_model.scaling_.probability_of_default(scores)
    np.testing.assert_array_equal(german_model.predict_proba(sample)[:, 1], published)
    explained = explain_frame(german_model, sample)
    np.testing.assert_array_equal(explained["probability_of_default"].to_numpy(), published)


def test_unfitted_model_says_so():
    with pytest.raises(NotFittedError):
        Scorecard().score(pd.DataFrame({"a": [1]}))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"C": 0.0}, "C must be a finite number > 0"),
        ({"C": float("nan")}, "C must be a finite number > 0"),
        ({"C": -1.0}, "C must be a finite number > 0"),
        ({"min_iv": float("inf")}, "min_iv must be a finite number >= 0"),
        ({"max_correlation": 1.01}, r"max_correlation must be in \(0, 1\]"),
    ],
)
def test_invalid_model_parameters_are_refused_by_name(params, message):
    X, y = make_table(500, seed=1)
    with pytest.raises(ConfigError, match=message):
        Scorecard(**params).fit(X, y)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ([0, 1, 2, 1], "must be binary"),
        ([1, 1, 1, 1], "only bad"),
        ([0, 1, None, 1], "missing on row 3"),
        ([0, 1, 1], "has 3 values"),
    ],
)
def test_bad_targets_are_refused_clearly(target, message):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InputError, match=message):
        Scorecard().fit(X, pd.Series(target, dtype=object))


def test_non_numeric_value_in_numeric_column_names_column_and_row():
    X, y = make_table(500)
    X["income"] = X["income"].astype(object)
    X.loc[7, "income"] = "twelve"
    with pytest.raises(InputError, match=r"'income' is numeric but row 8 holds 'twelve'"):
        Scorecard().fit(X, y)


def test_scoring_needs_the_model_columns(german_model, german):
    X, _, _ = german
    with pytest.raises(InputError, match="credit_history"):
        german_model.score(X.drop(columns=["credit_history"]))


def test_dictionary_cannot_make_a_protected_attribute_a_feature():
    with pytest.raises(InputError, match="protected"):
        DataDictionary.from_dict(
            {"features": {"age": {"dimension": "tenure"}}, "protected": ["age"]}
        )


def test_a_feature_with_the_same_points_in_every_bin_is_not_selected():
    """A weak proxy of a stronger feature passes the IV floor but adds nothing given it:
    where its points come out equal in every bin it is dropped, on record, and refitted."""
    reasons = []
    for seed in range(3, 13):
        rng = np.random.default_rng(seed)
        a = rng.normal(size=100_000)
        b = (a + rng.normal(scale=6.0, size=a.size) > 0).astype(float)
        y = (rng.random(a.size) < 1 / (1 + np.exp(2.5 - a))).astype(np.uint8)
        model = Scorecard().fit(pd.DataFrame({"a": a, "b": b}), y)
        assert all(f.best_points > f.worst_points for f in model.features_)
        reasons += [e.reason for e in model.selection_ if e.feature == "b" and not e.selected]
    assert any(r.startswith("the same points") for r in reasons)
