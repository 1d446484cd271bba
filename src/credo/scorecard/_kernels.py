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


_BLOCK = 8192


@numba.njit(cache=True, parallel=True)
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
) -> None:
    """Add every numeric feature's points into ``total`` (in place).

    ``columns`` is a tuple of float64 arrays, one per feature; feature ``j``'s edges are
    ``edges[edge_start[j]:edge_start[j+1]]`` and its interval points are the slice of
    ``points`` starting at ``edge_start[j] + j`` (one more than edges). Rows are split in
    blocks across threads, and each block runs through all features while its slice of
    ``total`` stays in cache: one parallel launch for the whole scorecard.
    """
    n = total.shape[0]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for block in numba.prange(n_blocks):
        lo = block * _BLOCK
        hi = min(n, lo + _BLOCK)
        for j in range(len(columns)):
            values = columns[j]
            feature_edges = edges[edge_start[j] : edge_start[j + 1]]
            feature_points = points[edge_start[j] + j : edge_start[j + 1] + j + 1]
            feature_specials = specials[special_start[j] : special_start[j + 1]]
            feature_special_points = special_points[special_start[j] : special_start[j + 1]]
            missing = missing_points[j]
            for r in range(lo, hi):
                v = values[r]
                if np.isnan(v):
                    total[r] += missing
                    continue
                k = -1
                for s in range(feature_specials.shape[0]):
                    if v == feature_specials[s]:
                        k = s
                        break
                if k >= 0:
                    total[r] += feature_special_points[k]
                else:
                    total[r] += feature_points[_interval(v, feature_edges)]


@numba.njit(cache=True)
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
