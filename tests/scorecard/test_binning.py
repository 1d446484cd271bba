"""Bins: every value lands in exactly one, trends hold, constraints hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from credo.errors import InputError
from credo.scorecard.binning import (
    BinningOptions,
    fit_categorical,
    fit_numeric,
    smoothed_woe,
)


def _rates(binning):
    return [b.bad_rate for b in binning.bins if b.kind in ("interval", "categories")]


def _regular_woe(binning):
    return [b.woe for b in binning.bins if b.kind in ("interval", "categories")]


def _follows(rates, trend):
    steps = np.sign(np.diff(rates))
    if trend == "ascending":
        return bool(np.all(steps > 0))
    if trend == "descending":
        return bool(np.all(steps < 0))
    first, second = (1, -1) if trend == "peak" else (-1, 1)
    turn = next((k for k, s in enumerate(steps) if s != first), len(steps))
    return bool(np.all(steps[turn:] == second))


@st.composite
def numeric_feature(draw):
    n = draw(st.integers(200, 3000))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * draw(st.floats(0.1, 1000))
    shape = draw(st.sampled_from(["linear", "u", "step", "none"]))
    signal = {"linear": x / (np.std(x) + 1e-12), "u": (x / (np.std(x) + 1e-12)) ** 2,
              "step": (x > np.median(x)).astype(float), "none": np.zeros(n)}[shape]
    y = (rng.random(n) < 1 / (1 + np.exp(2 - signal))).astype(np.uint8)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    x[rng.random(n) < draw(st.floats(0, 0.3))] = np.nan
    return x, y


@given(
    data=numeric_feature(),
    trend=st.sampled_from(["ascending", "descending", "peak", "valley", "auto", "auto_monotone"]),
    max_bins=st.integers(2, 12),
    share=st.floats(0.01, 0.2),
    prior=st.one_of(st.just(0.0), st.just(10.0), st.floats(0, 500)),
    min_bads=st.sampled_from([0, 5, 20]),
)
def test_numeric_bins_follow_their_trend_and_constraints(
    data, trend, max_bins, share, prior, min_bads
):
    x, y = data
    options = BinningOptions(max_bins=max_bins, min_bin_share=share, trend=trend,
                             woe_prior=prior, min_bin_bads=min_bads)
    binning = fit_numeric("x", x, y, options)
    regular = [b for b in binning.bins if b.kind == "interval"]
    assert 1 <= len(regular) <= max_bins
    if len(regular) > 1:
        # each bin holds its share of the rows, or the bads that are evidence enough
        assert all(b.count >= np.ceil(share * len(x)) or (min_bads and b.bad >= min_bads)
                   for b in regular)
    if trend not in ("auto", "auto_monotone"):
        # A declared peak or valley may degenerate to a monotone sequence.
        assert binning.trend in (trend, "ascending", "descending")
    assert _follows(_rates(binning), binning.trend)
    # WOE, and so points, follow the trend too (WOE falls as the default rate rises)
    assert _follows([-w for w in _regular_woe(binning)], binning.trend)
    assert all(np.isfinite(b.woe) for b in binning.bins)
    if binning.bins[-1].count == 0:
        assert binning.bins[-1].woe == 0.0
    # every row lands in exactly one bin and the counts add up
    index = binning.bin_index(x)
    assert index.min() >= 0 and index.max() < len(binning.bins)
    counts = np.bincount(index, minlength=len(binning.bins))
    assert counts.tolist() == [b.count for b in binning.bins]
    assert binning.bins[-1].kind == "missing"
    assert binning.bins[-1].count == int(np.isnan(x).sum())


def test_special_values_get_their_own_bins():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 100, 5000)
    x[:700] = -1
    y = (rng.random(5000) < np.where(x == -1, 0.02, 0.2)).astype(np.uint8)
    binning = fit_numeric("months", x, y, BinningOptions(), special_values=[-1])
    special = [b for b in binning.bins if b.kind == "special"]
    assert len(special) == 1 and special[0].special_value == -1 and special[0].count == 700
    assert all(b.lower is None or b.lower > -1 for b in binning.bins if b.kind == "interval")


def test_categories_are_ordered_by_default_rate_and_rare_ones_pooled():
    rng = np.random.default_rng(1)
    cats = rng.choice(["a", "b", "c", "d", "rare1", "rare2"], 10000,
                      p=[.3, .3, .2, .196, .002, .002])
    rate = pd.Series(cats).map({"a": .05, "b": .1, "c": .2, "d": .3, "rare1": .9, "rare2": .0})
    y = (rng.random(10000) < rate.to_numpy()).astype(np.uint8)
    binning = fit_categorical("cat", pd.Series(cats), y, BinningOptions(min_bin_share=0.01))
    assert _follows(_rates(binning), "ascending")
    groups = [set(b.categories) for b in binning.bins if b.kind == "categories"]
    assert any({"rare1", "rare2"} <= g for g in groups), "rare categories pooled together"
    unseen = binning.bin_index(pd.Series(["a", "zzz", None]))
    assert unseen[1] == unseen[2] == binning.missing_index


def test_constant_feature_is_refused_by_name():
    with pytest.raises(InputError, match="'flat' is constant"):
        fit_numeric("flat", np.ones(100), np.r_[np.zeros(50), np.ones(50)].astype(np.uint8),
                    BinningOptions())


def test_all_missing_feature_is_refused_by_name():
    with pytest.raises(InputError, match="'empty' is entirely missing"):
        fit_numeric("empty", np.full(100, np.nan), np.r_[np.zeros(50), np.ones(50)].astype(
            np.uint8), BinningOptions())
    with pytest.raises(InputError, match="'empty' is entirely missing"):
        fit_categorical("empty", pd.Series([None] * 100, dtype=object),
                        np.r_[np.zeros(50), np.ones(50)].astype(np.uint8), BinningOptions())


@pytest.mark.parametrize(
    "options",
    [dict(max_bins=1), dict(min_bin_share=0), dict(min_bin_share=0.9), dict(trend="sideways"),
     dict(n_prebins=1), dict(shape_gain=-1)],
)
def test_invalid_options_are_refused(options):
    from credo.errors import ConfigError

    with pytest.raises(ConfigError):
        BinningOptions(**options)


@pytest.mark.parametrize("prior", [-1, -1e-9, float("nan"), float("inf"), "ten", True])
def test_invalid_woe_prior_is_refused_by_name(prior):
    from credo.errors import ConfigError

    with pytest.raises(ConfigError, match="woe_prior must be a finite number of rows >= 0"):
        BinningOptions(woe_prior=prior)


def test_options_that_only_record_an_old_model_file_cannot_fit():
    # None is how a model file from before the WOE prior reads: a record, never a fit.
    from credo.errors import ConfigError

    x = np.arange(100, dtype=np.float64)
    y = (x > 60).astype(np.uint8)
    with pytest.raises(ConfigError, match="woe_prior is not recorded"):
        fit_numeric("x", x, y, BinningOptions(woe_prior=None))


def test_woe_is_the_prior_formula_and_an_empty_bin_is_neutral():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, 2000)
    y = (rng.random(2000) < 0.1 + x / 400).astype(np.uint8)
    binning = fit_numeric("x", x, y, BinningOptions(woe_prior=10.0), special_values=[-7])
    total_good = sum(b.good for b in binning.bins)
    total_bad = sum(b.bad for b in binning.bins)
    pg, pb = total_good / (total_good + total_bad), total_bad / (total_good + total_bad)
    first = next(b for b in binning.bins if b.kind == "interval")
    for b in binning.bins:
        if b.kind == "missing" and b.count == 0:  # missing never occurs: neutral
            assert b.woe == 0.0
        elif b.count == 0:  # an unseen special value scores as the interval it is in
            assert b.woe == first.woe
        else:
            expected = np.log((b.good + 10 * pg) / (b.bad + 10 * pb)) - np.log(
                total_good / total_bad)
            assert b.woe == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert sum(b.count == 0 for b in binning.bins) == 2
    assert smoothed_woe(0, 0, 700, 300, 0.0) == smoothed_woe(0, 0, 700, 300, 10.0) == 0.0


@given(
    seed=st.integers(0, 2**31), trend=st.sampled_from(["ascending", "descending"]),
    unseen=st.lists(st.integers(3, 9), min_size=1, max_size=4, unique=True),
)
def test_a_declared_trend_holds_in_every_bin_unseen_specials_included(seed, trend, unseen):
    """A count feature whose special values include some no training row holds: every
    bin, ordered by value, follows the declared trend (an unseen "6 unpaid bills" never
    scores better than 1)."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(1.0, 3000).astype(float)
    x = np.where(np.isin(x, unseen), 0.0, x)
    risk = 0.05 + 0.1 * x if trend == "ascending" else 0.6 - 0.1 * np.minimum(x, 5)
    y = (rng.random(3000) < risk).astype(np.uint8)
    y[:2] = [0, 1]
    binning = fit_numeric("count", x, y, BinningOptions(trend=trend),
                          special_values=[float(v) for v in unseen], trend=trend)
    by_value = sorted(
        [(b.special_value, b.woe) for b in binning.bins if b.kind == "special"]
        + [((b.lower if b.lower is not None else -np.inf), b.woe)
           for b in binning.bins if b.kind == "interval" and b.count]
    )
    steps = np.diff([w for _, w in by_value])
    # WOE falls as risk rises: ascending risk means WOE never rises along the values
    assert np.all(steps <= 1e-12) if trend == "ascending" else np.all(steps >= -1e-12)


def test_a_rare_severe_value_keeps_a_bin_of_its_own():
    """1 % of people with a bankruptcy, 40 % of whom default, against 5 % of the rest:
    far under the 2 % share, but 40 bads are evidence enough for a bin of its own."""
    rng = np.random.default_rng(7)
    x = np.zeros(10_000)
    x[:100] = 1.0
    y = (rng.random(10_000) < np.where(x == 1, 0.4, 0.05)).astype(np.uint8)
    binning = fit_numeric("bankruptcies", x, y, BinningOptions(), trend="ascending")
    regular = [b for b in binning.bins if b.kind == "interval"]
    assert [b.count for b in regular] == [9900, 100]
    assert regular[1].woe < -1.5 and binning.iv > 0.05
    without = fit_numeric("bankruptcies", x, y, BinningOptions(min_bin_bads=0),
                          trend="ascending")
    assert without.iv == 0.0  # the share alone would merge it away


def test_a_pure_bin_keeps_a_finite_woe_without_a_prior():
    x = np.r_[np.zeros(50), np.ones(950)]
    y = np.r_[np.ones(50), (np.arange(950) % 10 == 0)].astype(np.uint8)  # the first: all bad
    binning = fit_numeric("x", x, y, BinningOptions(woe_prior=0.0, min_bin_share=0.05))
    first = binning.bins[0]
    assert first.good == 0 and first.bad == 50
    assert np.isfinite(first.woe) and first.woe < 0
    with_prior = fit_numeric("x", x, y, BinningOptions(min_bin_share=0.05)).bins[0].woe
    assert first.woe < with_prior < 0


@st.composite
def categorical_feature(draw):
    n = draw(st.integers(100, 2000))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(2, 12))
    shares = rng.dirichlet(np.full(k, draw(st.floats(0.2, 5))))
    rates = rng.uniform(0, draw(st.floats(0.05, 1)), k)
    cats = rng.choice([f"c{j}" for j in range(k)], n, p=shares)
    y = (rng.random(n) < rates[[int(c[1:]) for c in cats]]).astype(np.uint8)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    if draw(st.booleans()):
        cats = cats.astype(object)
        cats[rng.random(n) < 0.1] = None
    return pd.Series(cats), y


@given(data=categorical_feature(), prior=st.floats(0, 200), share=st.floats(0.01, 0.2))
def test_categorical_woe_follows_the_category_order(data, prior, share):
    column, y = data
    if column.nunique() < 2:
        return
    binning = fit_categorical(
        "c", column, y, BinningOptions(woe_prior=prior, min_bin_share=share)
    )
    assert _follows(_rates(binning), "ascending")
    assert _follows([-w for w in _regular_woe(binning)], "ascending")
    assert all(np.isfinite(b.woe) for b in binning.bins)
