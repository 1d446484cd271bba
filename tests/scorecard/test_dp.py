"""The merge is exact: it finds the same optimum as trying every partition."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from credo.scorecard import _dp

SHAPES = [_dp.ASCENDING, _dp.DESCENDING, _dp.PEAK, _dp.VALLEY]


def _smoothed(g: float, b: float, tg: float, tb: float, prior: float) -> tuple[float, float]:
    # Written out independently of the module: prior rows in the population's mix, and
    # no side under half a count.
    sg, sb = g + prior * tg / (tg + tb), b + prior * tb / (tg + tb)
    return max(sg, 0.5), max(sb, 0.5)


def _iv(g: float, b: float, tg: float, tb: float, prior: float) -> float:
    sg, sb = _smoothed(g, b, tg, tb, prior)
    woe = math.log(sg / sb) - math.log(tg / tb)
    return (g / tg - b / tb) * woe


def _q(g: float, b: float, tg: float, tb: float, prior: float) -> float:
    sg, sb = _smoothed(g, b, tg, tb, prior)
    return sb / (sg + sb)


def _shape_ok(rates: list[float], shape: int, smoothed: list[float] | None = None) -> bool:
    # A step counts only if the raw and the smoothed rates both take it.
    smoothed = rates if smoothed is None else smoothed
    ups = [b > a and d - c > 1e-12 for (a, b), (c, d) in
           zip(itertools.pairwise(rates), itertools.pairwise(smoothed), strict=True)]
    downs = [b < a and c - d > 1e-12 for (a, b), (c, d) in
             zip(itertools.pairwise(rates), itertools.pairwise(smoothed), strict=True)]
    if shape == _dp.ASCENDING:
        return all(ups)
    if shape == _dp.DESCENDING:
        return all(downs)
    steps = ups if shape == _dp.PEAK else downs
    other = downs if shape == _dp.PEAK else ups
    # first leg in one direction, the rest in the other, each step strict
    return any(all(steps[:turn]) and all(other[turn:]) for turn in range(len(steps) + 1))


def brute_force(good, bad, min_count, max_groups, shape, prior, tg, tb, min_bads=0):
    n = len(good)
    best = None
    for k in range(0, min(max_groups, n)):
        for cuts in itertools.combinations(range(1, n), k):
            bounds = [0, *cuts, n]
            groups = [(sum(good[a:b]), sum(bad[a:b])) for a, b in itertools.pairwise(bounds)]
            if any(g + b < min_count and not (min_bads > 0 and b >= min_bads)
                   for g, b in groups):
                continue
            rates = [b / (g + b) for g, b in groups]
            if not _shape_ok(rates, shape, [_q(g, b, tg, tb, prior) for g, b in groups]):
                continue
            value = sum(_iv(g, b, tg, tb, prior) for g, b in groups)
            if best is None or value > best + 1e-12:
                best = value
    return best


@given(
    counts=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15)), min_size=1, max_size=8),
    min_count=st.integers(1, 30),
    max_groups=st.integers(1, 6),
    shape=st.sampled_from(SHAPES),
    prior=st.sampled_from([0.0, 0.5, 3.0, 10.0, 37.5, 200.0]),
    outside=st.tuples(st.integers(0, 20), st.integers(0, 10)),
    min_bads=st.sampled_from([0, 1, 3, 8]),
)
def test_dynamic_programme_matches_exhaustive_search(
    counts, min_count, max_groups, shape, prior, outside, min_bads
):
    good = [float(g) for g, _ in counts]
    bad = [float(b) for _, b in counts]
    if sum(good) == 0 or sum(bad) == 0 or any(g + b == 0 for g, b in counts):
        return  # empty pre-bins are removed before the merge; both classes are needed
    # The population also holds rows outside the merged pre-bins (missing, special).
    tg, tb = sum(good) + outside[0], sum(bad) + outside[1]
    starts, value = _dp.optimal_partition(
        np.array(good), np.array(bad), float(min_count), max_groups, shape, 0.0, prior, tg, tb,
        float(min_bads),
    )
    expected = brute_force(good, bad, min_count, max_groups, shape, prior, tg, tb, min_bads)
    if expected is None:
        assert starts.size == 0
    else:
        assert starts.size > 0
        assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_result_respects_every_constraint():
    rng = np.random.default_rng(3)
    good = rng.integers(20, 200, 30).astype(float)
    bad = rng.integers(1, 30, 30).astype(float)
    tg, tb = good.sum(), bad.sum()
    for shape, prior in itertools.product(SHAPES, (0.0, 10.0, 500.0)):
        starts, _ = _dp.optimal_partition(good, bad, 300.0, 5, shape, 0.0, prior, tg, tb)
        bounds = [*starts.tolist(), len(good)]
        assert len(bounds) - 1 <= 5
        groups = [(good[a:b].sum(), bad[a:b].sum()) for a, b in itertools.pairwise(bounds)]
        assert all(g + b >= 300 for g, b in groups)
        assert _shape_ok([b / (g + b) for g, b in groups], shape)
        # and the weights of evidence, which fall as the smoothed rate rises
        woe = [-_dp.woe(g, b, tg, tb, prior) for g, b in groups]
        assert _shape_ok(woe, shape)


@given(
    good=st.integers(0, 10_000), bad=st.integers(0, 10_000),
    total=st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)),
    prior=st.floats(0, 1e4),
)
def test_woe_is_the_documented_formula_and_an_empty_group_is_neutral(good, bad, total, prior):
    tg, tb = float(total[0] + good), float(total[1] + bad)
    woe = _dp.woe(float(good), float(bad), tg, tb, prior)
    assert math.isfinite(woe)
    if good + bad == 0:
        assert woe == 0.0
        return
    sg, sb = _smoothed(good, bad, tg, tb, prior)
    assert math.isclose(woe, math.log(sg / sb) - math.log(tg / tb), rel_tol=1e-9, abs_tol=1e-9)
    q = _dp.smoothed_rate(float(good), float(bad), tg, tb, prior)
    assert math.isclose(woe, math.log((1 - q) / q) - math.log(tg / tb), rel_tol=1e-7,
                        abs_tol=1e-7)


def test_a_thin_group_is_pulled_toward_the_population_odds():
    # Three bads out of three: raw odds say "certain default"; the prior says "thin".
    tg, tb = 700.0, 300.0
    assert _dp.woe(0.0, 3.0, tg, tb, 0.0) < _dp.woe(0.0, 3.0, tg, tb, 10.0) < 0
    assert abs(_dp.woe(0.0, 3.0, tg, tb, 1000.0)) < 0.02
    # A large group hardly moves.
    raw = math.log(600 / 100) - math.log(tg / tb)
    assert abs(_dp.woe(600.0, 100.0, tg, tb, 10.0) - raw) < 0.02


@given(good=st.integers(0, 1000), bad=st.integers(0, 1000),
       total=st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)))
def test_a_vanishing_prior_gives_the_woe_of_no_prior(good, bad, total):
    # A pure group must not blow up as the prior shrinks toward 0 (5e-324 is the
    # smallest positive double): the value tends to the one without a prior.
    tg, tb = float(total[0] + good), float(total[1] + bad)
    for tiny in (5e-324, 1e-300, 1e-12):
        assert math.isclose(_dp.woe(float(good), float(bad), tg, tb, tiny),
                            _dp.woe(float(good), float(bad), tg, tb, 0.0), abs_tol=1e-9)
