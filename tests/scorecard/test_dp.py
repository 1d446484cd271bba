"""The merge is exact: it finds the same optimum as trying every partition."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from credo.scorecard import _dp

SHAPES = [_dp.ASCENDING, _dp.DESCENDING, _dp.PEAK, _dp.VALLEY]


def _iv(g: float, b: float, tg: float, tb: float) -> float:
    woe = math.log(((g + 0.5) / tg) / ((b + 0.5) / tb))
    return (g / tg - b / tb) * woe


def _shape_ok(rates: list[float], shape: int) -> bool:
    ups = [b > a for a, b in itertools.pairwise(rates)]
    downs = [b < a for a, b in itertools.pairwise(rates)]
    if shape == _dp.ASCENDING:
        return all(ups)
    if shape == _dp.DESCENDING:
        return all(downs)
    steps = ups if shape == _dp.PEAK else downs
    other = downs if shape == _dp.PEAK else ups
    # first leg in one direction, the rest in the other, each step strict
    return any(all(steps[:turn]) and all(other[turn:]) for turn in range(len(steps) + 1))


def brute_force(good, bad, min_count, max_groups, shape):
    n = len(good)
    tg, tb = sum(good), sum(bad)
    best = None
    for k in range(0, min(max_groups, n)):
        for cuts in itertools.combinations(range(1, n), k):
            bounds = [0, *cuts, n]
            groups = [(sum(good[a:b]), sum(bad[a:b])) for a, b in itertools.pairwise(bounds)]
            if any(g + b < min_count for g, b in groups):
                continue
            if not _shape_ok([b / (g + b) for g, b in groups], shape):
                continue
            value = sum(_iv(g, b, tg, tb) for g, b in groups)
            if best is None or value > best + 1e-12:
                best = value
    return best


@given(
    counts=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15)), min_size=1, max_size=8),
    min_count=st.integers(1, 30),
    max_groups=st.integers(1, 6),
    shape=st.sampled_from(SHAPES),
)
def test_dynamic_programme_matches_exhaustive_search(counts, min_count, max_groups, shape):
    good = [float(g) for g, _ in counts]
    bad = [float(b) for _, b in counts]
    if sum(good) == 0 or sum(bad) == 0 or any(g + b == 0 for g, b in counts):
        return  # empty pre-bins are removed before the merge; both classes are needed
    starts, value = _dp.optimal_partition(
        np.array(good), np.array(bad), float(min_count), max_groups, shape, 0.0
    )
    expected = brute_force(good, bad, min_count, max_groups, shape)
    if expected is None:
        assert starts.size == 0
    else:
        assert starts.size > 0
        assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_result_respects_every_constraint():
    rng = np.random.default_rng(3)
    good = rng.integers(20, 200, 30).astype(float)
    bad = rng.integers(1, 30, 30).astype(float)
    for shape in SHAPES:
        starts, _ = _dp.optimal_partition(good, bad, 300.0, 5, shape, 0.0)
        bounds = [*starts.tolist(), len(good)]
        assert len(bounds) - 1 <= 5
        groups = [(good[a:b].sum(), bad[a:b].sum()) for a, b in itertools.pairwise(bounds)]
        assert all(g + b >= 300 for g, b in groups)
        assert _shape_ok([b / (g + b) for g, b in groups], shape)
