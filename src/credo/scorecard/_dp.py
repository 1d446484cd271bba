"""Exact optimal merging of pre-bins by dynamic programming.

Given pre-bins ``0..n-1`` in order with good and bad counts, find the partition into
contiguous groups that maximises the information value (IV) subject to:

- every group holds at least ``min_count`` rows, or at least ``min_bads`` bad rows
  (evidence: a rare but telling value, such as a bankruptcy, keeps a group of its own),
- at most ``max_groups`` groups,
- the groups' bad rates follow a shape: strictly ascending, strictly descending,
  a single peak (ascending then descending) or a single valley; each step must go the
  same way in the raw bad rate ``b / (g + b)`` and in the smoothed one (see below), so
  that both the observed rates and the weights of evidence follow the shape.

IV is a sum over groups, so the optimum decomposes: the best partition of the first
``j`` pre-bins whose last group is ``[i, j)`` extends the best partition of the first
``i`` pre-bins whose last group ``[h, i)`` is compatible with ``[i, j)`` (its bad rates
are lower, or higher, as the shape requires). The state is therefore (end ``j``, start
``i`` of the last group, number of groups, phase of the shape), and the search is
exhaustive over it: O(n^3 * max_groups) steps, a few milliseconds for n = 64.

The objective uses the same weights of evidence as the fitted bins (:func:`woe`): a
prior of ``prior`` pseudo-rows spread by the population's good and bad shares is added
to each group's counts, which pulls a thin group toward the population's odds (WOE 0)
rather than toward even odds. With the smoothed bad rate
``q = (b + prior * pb) / (g + b + prior)``, ``WOE = ln((1 - q) / q) - ln(G / B)``, so WOE
falls as ``q`` rises, and constraining ``q`` as well as the raw rate makes the final
WOE, and so the points, follow the shape. The search stays exact for this objective.
"""

from __future__ import annotations

import numba
import numpy as np

ASCENDING = 0
DESCENDING = 1
PEAK = 2
VALLEY = 3

_NEG = -1.0e300
# Least rise of a smoothed bad rate that counts as a rise: far above rounding error, so
# that two groups whose smoothed rates are equal in exact arithmetic never pass as
# ordered, and far below any difference between groups that matters.
_SMOOTHED_STEP = 1e-12
# Pseudo-count on each side of a group whose smoothed goods or bads would be 0.
_FLOOR = 0.5


@numba.njit(cache=True)
def smoothed_counts(
    good: float, bad: float, total_good: float, total_bad: float, prior: float
) -> tuple[float, float]:
    """Good and bad counts with the prior added: ``prior`` rows in the population's mix.

    No side holds less than half a count: a group with no goods or no bads keeps a
    finite weight of evidence whatever the prior (0, or too small to register), and the
    value moves continuously as the prior shrinks to 0.
    """
    total = total_good + total_bad
    g = max(good + prior * (total_good / total), _FLOOR)
    b = max(bad + prior * (total_bad / total), _FLOOR)
    return g, b


@numba.njit(cache=True)
def smoothed_rate(
    good: float, bad: float, total_good: float, total_bad: float, prior: float
) -> float:
    """The smoothed bad rate ``q``; WOE is ``ln((1 - q) / q) - ln(G / B)``."""
    g, b = smoothed_counts(good, bad, total_good, total_bad, prior)
    return b / (g + b)


@numba.njit(cache=True)
def woe(good: float, bad: float, total_good: float, total_bad: float, prior: float) -> float:
    """Weight of evidence with the prior, centred so that an empty group is exactly 0."""
    if good + bad <= 0.0:
        return 0.0
    g, b = smoothed_counts(good, bad, total_good, total_bad, prior)
    return (np.log(g) - np.log(b)) - (np.log(total_good) - np.log(total_bad))


@numba.njit(cache=True)
def _group_iv(
    good: float, bad: float, total_good: float, total_bad: float, prior: float
) -> float:
    share_good = good / total_good
    share_bad = bad / total_bad
    return (share_good - share_bad) * woe(good, bad, total_good, total_bad, prior)


@numba.njit(cache=True)
def _rises(
    rate_before: float, rate_after: float, smooth_before: float, smooth_after: float,
    min_diff: float,
) -> bool:
    return (
        rate_after - rate_before > min_diff
        and smooth_after - smooth_before > _SMOOTHED_STEP
    )


@numba.njit(cache=True, nogil=True)
def optimal_partition(
    good: np.ndarray,
    bad: np.ndarray,
    min_count: float,
    max_groups: int,
    shape: int,
    min_rate_diff: float,
    prior: float,
    total_good: float,
    total_bad: float,
    min_bads: float = 0.0,
) -> tuple[np.ndarray, float]:
    """Return (group start indices, IV) of the best partition, or an empty array.

    ``good``/``bad`` are float64 counts per pre-bin. The result's first element is
    always 0; group ``g`` covers pre-bins ``starts[g] .. starts[g+1] - 1``.
    An empty result means no partition satisfies the constraints. ``min_rate_diff``
    is the least step between neighbouring groups' raw bad rates; ``prior`` is the WOE
    prior in rows (see :func:`smoothed_counts`). ``total_good``/``total_bad`` are the
    feature's population (every row, with those in missing and special bins), which
    sets the IV shares and the prior's mix exactly as the fitted bins will have them.
    ``min_bads`` > 0 also admits a group under ``min_count`` rows that holds at least
    that many bad rows; 0 turns the rule off.
    """
    n = good.shape[0]
    cum_good = np.zeros(n + 1)
    cum_bad = np.zeros(n + 1)
    for k in range(n):
        cum_good[k + 1] = cum_good[k] + good[k]
        cum_bad[k + 1] = cum_bad[k] + bad[k]
    if cum_good[n] <= 0 or cum_bad[n] <= 0 or total_good <= 0 or total_bad <= 0:
        return np.zeros(0, dtype=np.int64), 0.0

    # Group [i, j) value and bad rates (raw and smoothed), precomputed; invalid groups
    # get _NEG.
    value = np.full((n + 1, n + 1), _NEG)
    rate = np.zeros((n + 1, n + 1))
    smooth = np.zeros((n + 1, n + 1))
    for i in range(n):
        for j in range(i + 1, n + 1):
            g = cum_good[j] - cum_good[i]
            b = cum_bad[j] - cum_bad[i]
            if g + b >= min_count or (min_bads > 0.0 and b >= min_bads):
                value[i, j] = _group_iv(g, b, total_good, total_bad, prior)
                rate[i, j] = b / (g + b)
                smooth[i, j] = smoothed_rate(g, b, total_good, total_bad, prior)

    phases = 2 if shape >= PEAK else 1
    # best[k, i, j, p]: best IV of pre-bins [0, j) in k+1 groups, last group [i, j),
    # in phase p (0: first monotone leg, 1: second leg after the turn).
    best = np.full((max_groups, n + 1, n + 1, phases), _NEG)
    back = np.full((max_groups, n + 1, n + 1, phases, 2), -1, dtype=np.int64)
    for j in range(1, n + 1):
        if value[0, j] > _NEG:
            best[0, 0, j, 0] = value[0, j]

    for k in range(1, max_groups):
        for i in range(1, n):
            for j in range(i + 1, n + 1):
                v = value[i, j]
                if v <= _NEG:
                    continue
                r = rate[i, j]
                sr = smooth[i, j]
                for h in range(0, i):
                    for p in range(phases):
                        prev = best[k - 1, h, i, p]
                        if prev <= _NEG:
                            continue
                        up = _rises(rate[h, i], r, smooth[h, i], sr, min_rate_diff)
                        down = _rises(r, rate[h, i], sr, smooth[h, i], min_rate_diff)
                        # Which phase the new group lands in, if it is allowed at all.
                        q = -1
                        if shape == ASCENDING:
                            if up:
                                q = 0
                        elif shape == DESCENDING:
                            if down:
                                q = 0
                        elif shape == PEAK:
                            if p == 0 and up:
                                q = 0
                            elif down:
                                q = 1
                        else:  # VALLEY
                            if p == 0 and down:
                                q = 0
                            elif up:
                                q = 1
                        if q < 0:
                            continue
                        cand = prev + v
                        if cand > best[k, i, j, q]:
                            best[k, i, j, q] = cand
                            back[k, i, j, q, 0] = h
                            back[k, i, j, q, 1] = p

    # Either leg of a peak or valley may be empty, so a monotone partition is also a
    # (degenerate) peak and valley: the shapes nest, and choosing between them is fair.
    top = _NEG
    top_k = -1
    top_i = -1
    top_p = -1
    for k in range(max_groups):
        for i in range(n):
            for p in range(phases):
                if best[k, i, n, p] > top + 1e-12:
                    top = best[k, i, n, p]
                    top_k = k
                    top_i = i
                    top_p = p
    if top_k < 0:
        return np.zeros(0, dtype=np.int64), 0.0

    starts = np.zeros(top_k + 1, dtype=np.int64)
    k = top_k
    i = top_i
    j = n
    p = top_p
    while k >= 0:
        starts[k] = i
        h = back[k, i, j, p, 0]
        pp = back[k, i, j, p, 1]
        j = i
        i = h
        p = pp
        k -= 1
    return starts, top
