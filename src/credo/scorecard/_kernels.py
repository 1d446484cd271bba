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
    # edges <= value, by binary search (same rule as searchsorted side="right").
    lo = 0
    hi = edges.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if edges[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, parallel=True)
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
    for r in numba.prange(n):
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


@numba.njit(cache=True, parallel=True)
def add_numeric_points(
    values: np.ndarray,
    edges: np.ndarray,
    interval_points: np.ndarray,
    specials: np.ndarray,
    special_points: np.ndarray,
    missing_points: int,
    total: np.ndarray,
) -> None:
    """Add each row's points for one numeric feature into ``total`` (in place)."""
    n = values.shape[0]
    n_special = specials.shape[0]
    for r in numba.prange(n):
        v = values[r]
        if np.isnan(v):
            total[r] += missing_points
            continue
        done = False
        for s in range(n_special):
            if v == specials[s]:
                total[r] += special_points[s]
                done = True
                break
        if not done:
            total[r] += interval_points[_interval(v, edges)]


@numba.njit(cache=True, parallel=True)
def add_code_points(codes: np.ndarray, code_points: np.ndarray, total: np.ndarray) -> None:
    """Add points looked up by category code (code -1, unknown, is the last entry)."""
    n = codes.shape[0]
    last = code_points.shape[0] - 1
    for r in numba.prange(n):
        c = codes[r]
        total[r] += code_points[c] if c >= 0 else code_points[last]


@numba.njit(cache=True)
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
