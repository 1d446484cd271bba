"""Compiled inner loops: binning rows and summing points.

These are the hot paths of fitting and scoring. Each works on one feature column at a
time (contiguous memory, a handful of edges that stay in cache) and splits rows across
threads.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _interval(value: float, edges: np.ndarray) -> int:
    # Index of the interval [edges[k-1], edges[k]) holding value: the number of
    # edges <= value (the rule of searchsorted side="right"). Counting every edge has
    # no data-dependent branch and vectorises; with the few dozen edges a binning has,
    # it beats a binary search, whose mispredicted branches dominate on random values.
    k = 0
    for i in range(edges.shape[0]):
        k += edges[i] <= value
    return k


@numba.njit(cache=True, nogil=True)
def numeric_bin_index(
    values: np.ndarray,
    edges: np.ndarray,
    specials: np.ndarray,
    first_special: int,
    missing: int,
    out: np.ndarray,
) -> np.ndarray:
    """Bin index per row, into ``out``: intervals first, then one bin per special value,
    then missing. ``out`` may be any integer type that holds ``missing``."""
    n = values.shape[0]
    n_special = specials.shape[0]
    for r in range(n):
        v = values[r]
        if np.isnan(v):
            out[r] = missing
            continue
        k = -1
        for s in range(n_special):
            if v == specials[s]:
                k = first_special + s
                break
        out[r] = k if k >= 0 else _interval(v, edges)
    return out


_BLOCK = 2048


@numba.njit(cache=True, nogil=True)
def add_numeric_points(
    columns: tuple,
    edges: np.ndarray,
    edge_start: np.ndarray,
    points: np.ndarray,
    specials: np.ndarray,
    special_points: np.ndarray,
    special_start: np.ndarray,
    missing_points: np.ndarray,
    total: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """Add every numeric feature's points into ``total[lo:hi]`` (in place).

    ``columns`` is a tuple of float64 arrays, one per feature; feature ``j``'s edges are
    ``edges[edge_start[j]:edge_start[j+1]]`` and its interval points are the slice of
    ``points`` starting at ``edge_start[j] + j`` (one more than edges).

    A row's points are the first interval's points (or the missing bin's, for NaN)
    plus, for every edge it reaches, the step to the next interval's points; a special
    value then adds the difference between its own points and those of the interval it
    falls in. Edges are taken four at a time (padded with +inf, step 0), so each pass
    over a block of rows loads the values and the running sum once for four edges;
    every pass is branch-free and the compiler turns it into vector instructions, with
    no table lookup per row. Blocks are small enough that the block's running sum
    stays in the first-level cache while every feature adds to it, and it is added to
    ``total`` once. The loop releases the GIL: callers run row ranges on threads.
    """
    n_features = len(columns)
    # Per feature: groups of four edges and steps (at least one group), the first
    # interval's points, and each special value's points relative to its interval.
    group_start = np.empty(n_features + 1, dtype=np.int64)
    group_start[0] = 0
    for j in range(n_features):
        n_edges = edge_start[j + 1] - edge_start[j]
        group_start[j + 1] = group_start[j] + 4 * max(1, (n_edges + 3) // 4)
    grouped_edges = np.full(group_start[n_features], np.inf)
    grouped_steps = np.zeros(group_start[n_features], dtype=np.int32)
    first = np.empty(n_features, dtype=np.int32)
    special_delta = np.empty(specials.shape[0], dtype=np.int32)
    for j in range(n_features):
        feature_edges = edges[edge_start[j] : edge_start[j + 1]]
        feature_points = points[edge_start[j] + j : edge_start[j + 1] + j + 1]
        first[j] = feature_points[0]
        for i in range(feature_edges.shape[0]):
            grouped_edges[group_start[j] + i] = feature_edges[i]
            grouped_steps[group_start[j] + i] = feature_points[i + 1] - feature_points[i]
        for s in range(special_start[j], special_start[j + 1]):
            inside = feature_points[_interval(specials[s], feature_edges)]
            special_delta[s] = special_points[s] - inside

    acc = np.empty(_BLOCK, dtype=np.int32)
    for block_lo in range(lo, hi, _BLOCK):
        block_hi = min(hi, block_lo + _BLOCK)
        m = block_hi - block_lo
        for r in range(m):
            acc[r] = 0
        for j in range(n_features):
            values = columns[j][block_lo:block_hi]
            missing = missing_points[j]
            base = first[j]
            for g in range(group_start[j], group_start[j + 1], 4):
                e0 = grouped_edges[g]
                e1 = grouped_edges[g + 1]
                e2 = grouped_edges[g + 2]
                e3 = grouped_edges[g + 3]
                s0 = grouped_steps[g]
                s1 = grouped_steps[g + 1]
                s2 = grouped_steps[g + 2]
                s3 = grouped_steps[g + 3]
                if g == group_start[j]:
                    # The first group also sets the base: missing (NaN reaches no
                    # edge) or the first interval's points.
                    for r in range(m):
                        v = values[r]
                        acc[r] += (
                            (missing if v != v else base)
                            + (s0 if v >= e0 else 0) + (s1 if v >= e1 else 0)
                            + (s2 if v >= e2 else 0) + (s3 if v >= e3 else 0)
                        )
                else:
                    for r in range(m):
                        v = values[r]
                        acc[r] += (
                            (s0 if v >= e0 else 0) + (s1 if v >= e1 else 0)
                            + (s2 if v >= e2 else 0) + (s3 if v >= e3 else 0)
                        )
            for s in range(special_start[j], special_start[j + 1]):
                special = specials[s]
                delta = special_delta[s]
                for r in range(m):
                    acc[r] += delta if values[r] == special else 0
        out = total[block_lo:block_hi]
        for r in range(m):
            out[r] += acc[r]


@numba.njit(cache=True, nogil=True)
def add_code_points(codes: np.ndarray, code_points: np.ndarray, total: np.ndarray) -> None:
    """Add points looked up by category code (code -1, unknown, is the last entry)."""
    last = code_points.shape[0] - 1
    for r in range(codes.shape[0]):
        c = codes[r]
        total[r] += code_points[c] if c >= 0 else code_points[last]


@numba.njit(cache=True, nogil=True)
def count_by_bin(index: np.ndarray, target: np.ndarray, n_bins: int) -> tuple:
    """Good and bad counts per bin (target: 1 = bad)."""
    good = np.zeros(n_bins)
    bad = np.zeros(n_bins)
    for r in range(index.shape[0]):
        if target[r]:
            bad[index[r]] += 1.0
        else:
            good[index[r]] += 1.0
    return good, bad


@numba.njit(cache=True, nogil=True)
def logistic_sums_by_bin(
    log_odds: np.ndarray, target: np.ndarray, index: np.ndarray, n_bins: int
) -> tuple:
    """Per bin, the log-likelihood's gradient (bads less predicted bads) and its Fisher
    information (the sum of p (1 - p)) at the rows' current log-odds: one pass."""
    gradient = np.zeros(n_bins)
    information = np.zeros(n_bins)
    for r in range(log_odds.shape[0]):
        p = 1.0 / (1.0 + np.exp(-log_odds[r]))
        b = index[r]
        gradient[b] += target[r] - p
        information[b] += p * (1.0 - p)
    return gradient, information


@numba.njit(cache=True, nogil=True)
def add_by_bin(log_odds: np.ndarray, index: np.ndarray, change: np.ndarray) -> None:
    """Add each row's bin's change to its log-odds, in place."""
    for r in range(log_odds.shape[0]):
        log_odds[r] += change[index[r]]


@numba.njit(cache=True)
def isotonic_increasing(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-decreasing fit (pool adjacent violators)."""
    n = values.shape[0]
    level = np.empty(n)
    weight = np.empty(n)
    size = np.empty(n, dtype=np.int64)
    blocks = 0
    for i in range(n):
        level[blocks] = values[i]
        weight[blocks] = weights[i]
        size[blocks] = 1
        blocks += 1
        while blocks > 1 and level[blocks - 2] > level[blocks - 1]:
            w = weight[blocks - 2] + weight[blocks - 1]
            level[blocks - 2] = (level[blocks - 2] * weight[blocks - 2]
                                 + level[blocks - 1] * weight[blocks - 1]) / w
            weight[blocks - 2] = w
            size[blocks - 2] += size[blocks - 1]
            blocks -= 1
    out = np.empty(n)
    position = 0
    for b in range(blocks):
        for _ in range(size[b]):
            out[position] = level[b]
            position += 1
    return out
