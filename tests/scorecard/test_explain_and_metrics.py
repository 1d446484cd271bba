"""Explanations and measures."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from credo.scorecard import metrics
from credo.scorecard.explain import explain_frame, explain_one, reason_codes, sub_scores
from credo.scorecard.scaling import Scaling


def test_reasons_are_the_largest_point_losses(german_model, german):
    X, _, _ = german
    points = german_model.points_matrix(X)
    best = np.array([f.best_points for f in german_model.features_])
    loss = best - points
    reasons = reason_codes(german_model, points)
    for row in range(len(X)):
        chosen = [j for j in reasons[row] if j >= 0]
        assert len(chosen) <= 4
        assert all(loss[row, j] > 0 for j in chosen)
        losses = [loss[row, j] for j in chosen]
        assert losses == sorted(losses, reverse=True)
        others = [loss[row, j] for j in range(len(best)) if j not in chosen]
        if len(chosen) == 4 and others:
            assert max(others) <= min(losses)


def test_best_possible_record_has_no_reasons_and_top_sub_scores(german_model, german):
    X, _, _ = german
    row = X.iloc[[0]].copy()
    for feature in german_model.features_:
        top = max(feature.binning.bins, key=lambda b: b.points)
        if feature.binning.dtype == "categorical" and top.categories:
            row[feature.name] = top.categories[0]
        elif top.kind == "interval":
            row[feature.name] = top.lower if top.lower is not None else top.upper - 1
    explanation = explain_one(german_model, row)
    assert explanation.reasons == []
    assert all(v in (None, 950) for v in explanation.sub_scores.values())


def test_score_table_columns(german_model, german):
    X, _, _ = german
    frame = explain_frame(german_model, X)
    assert list(frame.columns[:3]) == ["score", "band", "probability_of_default"]
    for dimension in ("credit_history", "fulfilment_capacity", "behaviour", "identity", "tenure"):
        assert dimension in frame.columns
    subs = sub_scores(german_model, german_model.points_matrix(X))
    for values in subs.values():
        present = values[~np.isnan(values)]
        assert ((present >= 350) & (present <= 950)).all()


@given(seed=st.integers(0, 1000), n=st.integers(10, 500))
def test_auc_and_ks_agree_with_references(seed, n):
    rng = np.random.default_rng(seed)
    bad = rng.integers(0, 2, n)
    if bad.min() == bad.max():
        bad[0] = 1 - bad[0]
    score = rng.integers(350, 400, n)  # many ties on purpose
    assert np.isclose(metrics.auc(bad, score), roc_auc_score(bad, -score))
    from scipy.stats import ks_2samp

    expected = ks_2samp(score[bad == 1], score[bad == 0]).statistic
    assert np.isclose(metrics.ks(bad, score), expected)


def test_psi_is_zero_for_the_same_population_and_flags_a_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(600, 50, 20000)
    assert metrics.psi(a, a) < 1e-9
    assert metrics.psi_status(metrics.psi(a, rng.normal(600, 50, 20000))) == "stable"
    assert metrics.psi_status(metrics.psi(a, rng.normal(680, 50, 20000))) == "act"


def test_published_mapping_is_the_scaling():
    scaling = Scaling()
    assert np.isclose(scaling.probability_of_default(650), 1 / 31)
    assert np.isclose(scaling.probability_of_default(700), 1 / 61)
    assert np.isclose(scaling.score_for_probability(1 / 31), 650)
    table = scaling.mapping_table()
    pds = [row["probability_of_default"] for row in table]
    assert pds == sorted(pds, reverse=True)
