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
) -> np.ndarray:
    """Bin index per row: intervals first, then one bin per special value, then missing."""
    n = values.shape[0]
    out = np.empty(n, dtype=np.int32)
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
    falls in. Each of these is one branch-free pass over a block of rows that the
    compiler turns into vector instructions, with no table lookup per row. Blocks are
    small enough that the block's running sum stays in the first-level cache while
    every feature adds to it, and it is added to ``total`` once. The loop releases
    the GIL: callers run row ranges on several threads.
    """
    acc = np.empty(_BLOCK, dtype=np.int32)
    for block_lo in range(lo, hi, _BLOCK):
        block_hi = min(hi, block_lo + _BLOCK)
        m = block_hi - block_lo
        for r in range(m):
            acc[r] = 0
        for j in range(len(columns)):
            values = columns[j][block_lo:block_hi]
            feature_edges = edges[edge_start[j] : edge_start[j + 1]]
            feature_points = points[edge_start[j] + j : edge_start[j + 1] + j + 1]
            first = feature_points[0]
            missing = missing_points[j]
            for r in range(m):
                acc[r] += missing if values[r] != values[r] else first
            for i in range(feature_edges.shape[0]):
                edge = feature_edges[i]
                step = feature_points[i + 1] - feature_points[i]
                for r in range(m):
                    acc[r] += step if values[r] >= edge else 0
            for s in range(special_start[j], special_start[j + 1]):
                special = specials[s]
                delta = special_points[s] - feature_points[_interval(special, feature_edges)]
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
