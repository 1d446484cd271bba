"""Conditional bin values: refitted given the other features, always in the trend."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import isotonic_regression

from credo.scorecard import BinningOptions, Scorecard, metrics
from credo.scorecard.refit import BinShape, project

floats = st.floats(-5, 5, allow_nan=False)


@given(st.lists(st.tuples(floats, st.floats(0.01, 100)), min_size=1, max_size=40),
       st.booleans())
def test_the_monotone_projection_is_weighted_isotonic_regression(pairs, increasing):
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs])
    shape = BinShape("ascending" if increasing else "descending", np.arange(values.size))
    expected = isotonic_regression(values, sample_weight=weights, increasing=increasing)
    np.testing.assert_allclose(project(values, weights, shape), expected, atol=1e-9)


@given(st.lists(st.tuples(floats, st.floats(0.01, 100)), min_size=2, max_size=12),
       st.sampled_from(["peak", "valley"]))
def test_a_single_turn_is_kept_and_is_the_best_one(pairs, kind):
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs])
    fitted = project(values, weights, BinShape(kind, np.arange(values.size)))
    steps = np.sign(np.round(np.diff(fitted), 12))
    if kind == "valley":
        steps = -steps
    # rises (or stays) then falls (or stays): never a rise after a fall
    falls = np.flatnonzero(steps < 0)
    assert not falls.size or not (steps[falls[0]:] > 0).any()
    # and no single-turn fit is closer, whichever turn it takes
    loss = np.sum(weights * (fitted - values) ** 2)
    for turn in range(values.size + 1):
        left = isotonic_regression(values[:turn], sample_weight=weights[:turn],
                                   increasing=kind == "peak") if turn else []
        right = isotonic_regression(values[turn:], sample_weight=weights[turn:],
                                    increasing=kind != "peak") if turn < values.size else []
        other = np.concatenate([left, right])
        assert loss <= np.sum(weights * (other - values) ** 2) + 1e-9


def _correlated(n, seed):
    """Two correlated features whose conditional effects differ from their marginal
    ones: what one coefficient per feature on weights of evidence cannot represent."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.7 * a + 0.7 * rng.normal(size=n)
    log_odds = -2.5 + np.where(a > 0.5, 1.5, 0.0) + 0.6 * b
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(np.uint8)
    return pd.DataFrame({"a": a, "b": b}), y


def test_refitted_points_rank_better_out_of_sample_on_a_large_sample():
    X, y = _correlated(200_000, 1)
    X_test, y_test = _correlated(100_000, 2)
    plain = Scorecard(refit_prior=None).fit(X, y)
    refitted = Scorecard().fit(X, y)
    assert (metrics.auc(y_test, refitted.raw_points(X_test))
            > metrics.auc(y_test, plain.raw_points(X_test)) + 0.001)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(500, 20_000),
       trend=st.sampled_from(["auto", "auto_monotone"]))
def test_refitted_points_follow_each_features_trend(seed, n, trend):
    X, y = _correlated(n, seed)
    X["c"] = X["a"] ** 2 + np.random.default_rng(seed).normal(size=n)  # room for a turn
    if y.min() == y.max():
        y[0] = 1 - y[0]
    model = Scorecard(binning=BinningOptions(trend=trend)).fit(X, y)
    for feature in model.features_:
        regular = [b.points for b in feature.binning.bins if b.kind == "interval"]
        # points fall as the default rate rises: risk moves against the points
        risk = -np.sign(np.diff(regular))
        shape = feature.binning.trend
        if shape == "ascending":
            assert (risk >= 0).all(), (feature.name, shape, regular)
        elif shape == "descending":
            assert (risk <= 0).all(), (feature.name, shape, regular)
        else:  # one turn at most: a peak never rises after falling, a valley the reverse
            first, then = (-1, 1) if shape == "peak" else (1, -1)
            turned = np.flatnonzero(risk == first)
            assert not turned.size or not (risk[turned[0]:] == then).any(), (
                feature.name, shape, regular)


def test_without_refit_the_points_are_the_regressions():
    X, y = _correlated(5_000, 3)
    model = Scorecard(refit_prior=None).fit(X, y)
    scaling = model.scaling_
    share = (scaling.offset - scaling.factor * model.intercept_) / len(model.features_)
    for feature in model.features_:
        for b in feature.binning.bins:
            assert b.points == round(-scaling.factor * feature.coefficient * b.woe + share)
