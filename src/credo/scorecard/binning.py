"""Optimal binning of one feature, numeric or categorical.

Numeric values are cut into quantile pre-bins (a discrete feature with few distinct
values, such as a count of judgments, gets a pre-bin per value), which are then merged
by the exact dynamic programme of :mod:`credo.scorecard._dp`: the merge with the
highest information value among those whose bins each hold ``min_bin_share`` of the
rows, or at least ``min_bin_bads`` bad rows, that number at most ``max_bins``, and
whose default rates follow the trend. The evidence rule is what lets a severe but rare
derogatory (a bankruptcy, a judgment, a charge-off) keep a bin of its own, scored from
its smoothed default rate, however far under the share it falls. Missing values, and
each declared special value (such as -1 for "no account"), get bins of their own; a
special value never seen in training scores as the interval it falls in, so it follows
the trend instead of taking the population's average.

Categories are ordered by their default rate, rare ones pooled first, and the ordered
sequence is merged by the same programme, so categorical bins are monotone in that order.

Every bin's weight of evidence carries a prior of ``woe_prior`` rows in the feature's
good/bad mix (:func:`smoothed_woe`); the merge maximises IV with those same values and
keeps the smoothed default rates in the trend as well as the observed ones, so the WOE
(and the points) follow the trend.

The fitted result is a :class:`FeatureBinning`: plain data that serialises to JSON and
assigns any value to exactly one bin.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from credo.dictionary import TRENDS
from credo.errors import ConfigError, InputError
from credo.scorecard import _dp, _kernels
from credo.scorecard.encoding import (
    category_codes,
    index_dtype,
    known_category_index,
    numeric_values,
)
from credo.scorecard.inputs import check_finite

Trend = Literal["auto", "auto_monotone", "ascending", "descending", "peak", "valley"]
_SHAPES = {
    "ascending": _dp.ASCENDING,
    "descending": _dp.DESCENDING,
    "peak": _dp.PEAK,
    "valley": _dp.VALLEY,
}
RARE_LABEL = "(rare categories)"
_QUANTILE_SAMPLE = 50_000


class UninformativeFeatureError(InputError):
    """A feature that cannot separate good from bad in this sample (constant or empty).

    ``reason`` says why in a few words, for the model's record of left-out features.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def smoothed_woe(
    good: float, bad: float, total_good: float, total_bad: float, prior: float
) -> float:
    """Weight of evidence, ln(share of goods / share of bads), higher is safer.

    ``prior`` pseudo-rows in the population's good/bad mix are added to the bin, and the
    result is centred on the population's odds:
    ``ln((good + prior * pg) / (bad + prior * pb)) - ln(total_good / total_bad)`` with
    ``pg``, ``pb`` the population's good and bad shares. A thin bin is pulled toward the
    population (WOE 0), an empty bin is exactly 0, and every bin's value is finite.
    No side counts less than half a row, so with ``prior`` 0 the WOE is raw except
    that a bin with no goods or no bads counts half a row on the empty side.
    """
    return float(_dp.woe(float(good), float(bad), float(total_good), float(total_bad),
                         float(prior)))


def smoothed_bad_rate(
    good: float, bad: float, total_good: float, total_bad: float, prior: float
) -> float:
    """The bad rate with the same prior: WOE falls as it rises."""
    return float(_dp.smoothed_rate(float(good), float(bad), float(total_good),
                                   float(total_bad), float(prior)))


@dataclass
class Bin:
    """One bin of a feature: where values land, what was seen there, what it is worth."""

    kind: Literal["interval", "categories", "special", "missing"]
    label: str
    lower: float | None = None  # interval: [lower, upper); None means unbounded
    upper: float | None = None
    categories: list[str] | None = None
    special_value: float | None = None
    good: int = 0
    bad: int = 0
    woe: float = 0.0
    points: int = 0

    @property
    def count(self) -> int:
        return self.good + self.bad

    @property
    def bad_rate(self) -> float | None:
        return self.bad / self.count if self.count else None


@dataclass
class FeatureBinning:
    """The fitted bins of one feature, in order: regular bins, special bins, missing."""

    name: str
    dtype: Literal["numeric", "categorical"]
    trend: str
    bins: list[Bin]
    iv: float = 0.0
    # Derived lookups, rebuilt from ``bins`` (never serialised).
    edges: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    specials: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    category_bin: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.rebuild_lookups()

    def rebuild_lookups(self) -> None:
        regular = [b for b in self.bins if b.kind in ("interval", "categories")]
        if self.dtype == "numeric":
            self.edges = np.array([b.lower for b in regular[1:]], dtype=np.float64)
        self.specials = np.array(
            [b.special_value for b in self.bins if b.kind == "special"], dtype=np.float64
        )
        self.category_bin = {
            category: position
            for position, b in enumerate(self.bins)
            if b.kind == "categories"
            for category in b.categories or ()
        }

    def interval_of(self, value: float) -> int:
        """The regular bin (interval) a numeric value falls in, specials aside."""
        return int(np.searchsorted(self.edges, value, side="right"))

    @property
    def n_regular(self) -> int:
        return sum(b.kind in ("interval", "categories") for b in self.bins)

    @property
    def missing_index(self) -> int:
        return len(self.bins) - 1

    def bin_index(self, column: pd.Series | np.ndarray) -> np.ndarray:
        """The bin of every value, in the smallest integer type that holds every bin.
        Unknown categories fall in the missing bin."""
        if self.dtype == "numeric":
            values = numeric_values(column, self.name)
            return numeric_bin_index(
                values, self.edges, self.specials, self.n_regular, self.missing_index
            )
        known = list(self.category_bin)
        lookup = np.array(
            [self.category_bin[c] for c in known] + [self.missing_index],
            dtype=index_dtype(self.missing_index + 1),
        )
        return lookup[known_category_index(column, known)]

    def woe_values(self) -> np.ndarray:
        return np.array([b.woe for b in self.bins], dtype=np.float64)

    def table(self) -> pd.DataFrame:
        """The WOE/IV table: one row per bin."""
        total_good = sum(b.good for b in self.bins) or 1
        total_bad = sum(b.bad for b in self.bins) or 1
        rows = []
        for b in self.bins:
            share_good = b.good / total_good
            share_bad = b.bad / total_bad
            rows.append(
                {
                    "feature": self.name,
                    "bin": b.label,
                    "count": b.count,
                    "bad": b.bad,
                    "bad_rate": b.bad_rate,
                    "woe": b.woe,
                    "iv": (share_good - share_bad) * b.woe,
                    "points": b.points,
                }
            )
        return pd.DataFrame(rows)


def numeric_bin_index(
    values: np.ndarray, edges: np.ndarray, specials: np.ndarray, first_special: int,
    missing: int,
) -> np.ndarray:
    """Bin index per row (intervals, then specials, then missing) by the compiled loop."""
    out = np.empty(values.shape[0], dtype=index_dtype(missing + 1))
    return _kernels.numeric_bin_index(values, edges, specials, first_special, missing, out)


@dataclass(frozen=True, kw_only=True)
class BinningOptions:
    """Constraints of the optimal binning, shared by every feature unless overridden.

    The one place each binning default is written: the estimator, the model file and
    the ``credo train`` options all take them from here.
    """

    max_bins: int = 10
    min_bin_share: float = 0.02
    min_bin_count: int = 0  # and at least this many rows, however large the sample
    # A bin under the share is still allowed when it holds this many bad rows (0: never):
    # evidence enough that a rare value, such as a bankruptcy, differs. With 20 bads the
    # bin's bad rate has a relative standard error of about 1/sqrt(20), 22 %.
    min_bin_bads: int = 20
    n_prebins: int = 40
    trend: str = "auto"
    shape_gain: float = 0.0  # auto: a peak/valley must beat monotone IV by this share
    min_rate_diff: float = 0.0
    min_category_share: float = 0.01
    # Pseudo-rows in the population's good/bad mix added to every bin's WOE (0: raw WOE).
    # None only in the record of a model file written before the prior existed: such a
    # model scores as stored, and cannot be refitted with these options.
    woe_prior: float | None = 10.0

    def __post_init__(self) -> None:
        if not 2 <= self.max_bins <= 64:
            raise ConfigError(f"max_bins must be between 2 and 64, got {self.max_bins}")
        if not 0.0 < self.min_bin_share <= 0.5:
            raise ConfigError(f"min_bin_share must be in (0, 0.5], got {self.min_bin_share}")
        if self.min_bin_count < 0:
            raise ConfigError(f"min_bin_count must be >= 0, got {self.min_bin_count}")
        if isinstance(self.min_bin_bads, bool) or not isinstance(self.min_bin_bads, int) \
                or self.min_bin_bads < 0:
            raise ConfigError(
                f"min_bin_bads must be a whole number >= 0, got {self.min_bin_bads!r}"
            )
        if not 2 <= self.n_prebins <= 128:
            raise ConfigError(f"n_prebins must be between 2 and 128, got {self.n_prebins}")
        if self.trend not in TRENDS:
            raise ConfigError(f"unknown trend {self.trend!r}: choose one of {', '.join(TRENDS)}")
        if self.shape_gain < 0 or self.min_rate_diff < 0 or self.min_category_share < 0:
            raise ConfigError("shape_gain, min_rate_diff and min_category_share must be >= 0")
        if self.woe_prior is not None:
            check_finite("woe_prior", self.woe_prior, above=0, what="a finite number of rows")

    @property
    def prior(self) -> float:
        """The WOE prior to fit with; refused when the options only record an old file."""
        if self.woe_prior is None:
            raise ConfigError(
                "woe_prior is not recorded (a model file from before the WOE prior): "
                "give a number of rows, e.g. 10, to fit with these options"
            )
        return float(self.woe_prior)

    def min_rows(self, n_rows: int) -> int:
        """Least rows in a bin: the share of the sample, and never under the count."""
        return max(math.ceil(self.min_bin_share * n_rows), self.min_bin_count)


def _choose_partition(
    good: np.ndarray,
    bad: np.ndarray,
    min_count: float,
    options: BinningOptions,
    trend: str,
    totals: tuple[float, float],
) -> tuple[np.ndarray, str]:
    """Best group starts over the candidate shapes for ``trend``, and the shape chosen.

    ``totals`` are the feature's good and bad rows in all (missing and special bins
    too): the WOE prior and the IV use them, as the fitted bins will.
    """
    if trend in _SHAPES:
        candidates = [trend]
    elif trend == "auto_monotone":
        candidates = ["ascending", "descending"]
    else:
        candidates = ["ascending", "descending", "peak", "valley"]
    max_groups = min(options.max_bins, len(good))
    # The evidence rule never breaks the floor in rows: a bin it admits holds at least
    # min_bin_count bads, so at least that many rows.
    evidence = max(options.min_bin_bads, options.min_bin_count) if options.min_bin_bads else 0
    results: dict[str, tuple[np.ndarray, float]] = {}
    for shape in candidates:
        starts, iv = _dp.optimal_partition(
            good, bad, float(min_count), max_groups, _SHAPES[shape], options.min_rate_diff,
            options.prior, float(totals[0]), float(totals[1]),
            float(evidence),
        )
        if starts.size:
            results[shape] = (starts, iv)
    if not results:
        # Constraints leave no choice: one group keeps every row together.
        return np.zeros(1, dtype=np.int64), candidates[0]
    monotone = {s: r for s, r in results.items() if s in ("ascending", "descending")}
    chosen = max(monotone or results, key=lambda s: (monotone or results)[s][1])
    if trend == "auto":
        shaped = {s: r for s, r in results.items() if s in ("peak", "valley")}
        if shaped:
            best_shape = max(shaped, key=lambda s: shaped[s][1])
            if shaped[best_shape][1] > results[chosen][1] * (1.0 + options.shape_gain):
                chosen = best_shape
    return results[chosen][0], chosen


def _regular_shape(good: np.ndarray, bad: np.ndarray) -> str:
    """Name the shape the merged bins actually have (a degenerate peak may be monotone)."""
    rates = bad / np.maximum(good + bad, 1)
    steps = np.sign(np.diff(rates))
    if steps.size == 0 or np.all(steps > 0):
        return "ascending"
    if np.all(steps < 0):
        return "descending"
    turn = int(np.argmax(steps != steps[0]))
    return "peak" if steps[0] > 0 and np.all(steps[turn:] < 0) else "valley"


def fit_numeric(
    name: str,
    values: np.ndarray,
    target: np.ndarray,
    options: BinningOptions,
    special_values: list[float] | None = None,
    trend: str | None = None,
) -> FeatureBinning:
    """Fit the bins of one numeric feature (``values`` float64, ``target`` 1 = bad)."""
    trend = trend or options.trend
    specials = np.array(sorted(set(special_values or [])), dtype=np.float64)
    n_rows = values.shape[0]
    is_regular = ~np.isnan(values)
    if specials.size:
        is_regular &= ~np.isin(values, specials)
    regular = values[is_regular]
    if regular.size == 0 and not np.isin(values, specials).any():
        raise UninformativeFeatureError(
            f"feature {name!r} is entirely missing: drop it (--exclude {name}) or supply "
            "its values",
            "empty in the training sample",
        )
    if regular.size == n_rows and regular.min() == regular.max():
        raise UninformativeFeatureError(
            f"feature {name!r} is constant ({regular[0]:g}) and cannot separate good "
            f"from bad: drop it (--exclude {name})",
            f"constant ({regular[0]:g}) in the training sample",
        )

    candidate_edges = _prebin_edges(regular, options.n_prebins)
    n_special = specials.size
    pre_index = numeric_bin_index(
        values,
        candidate_edges,
        specials,
        candidate_edges.size + 1,
        candidate_edges.size + 1 + n_special,
    )
    n_pre = candidate_edges.size + 1
    good, bad = _kernels.count_by_bin(pre_index, target, n_pre + n_special + 1)
    pre_good, pre_bad = good[:n_pre], bad[:n_pre]

    min_count = options.min_rows(n_rows)
    if regular.size:
        totals = (float(good.sum()), float(bad.sum()))
        starts, shape = _choose_partition(pre_good, pre_bad, min_count, options, trend, totals)
    else:
        starts, shape = np.zeros(1, dtype=np.int64), "ascending"
    bounds = [*starts.tolist(), n_pre]
    bins: list[Bin] = []
    for g in range(len(bounds) - 1):
        lo, hi = bounds[g], bounds[g + 1]
        lower = None if lo == 0 else float(candidate_edges[lo - 1])
        upper = None if hi == n_pre else float(candidate_edges[hi - 1])
        bins.append(
            Bin(
                kind="interval",
                label=_interval_label(lower, upper),
                lower=lower,
                upper=upper,
                good=int(pre_good[lo:hi].sum()),
                bad=int(pre_bad[lo:hi].sum()),
            )
        )
    for s, value in enumerate(specials):
        bins.append(
            Bin(
                kind="special",
                label=f"special {value:g}",
                special_value=float(value),
                good=int(good[n_pre + s]),
                bad=int(bad[n_pre + s]),
            )
        )
    bins.append(Bin(kind="missing", label="missing", good=int(good[-1]), bad=int(bad[-1])))
    if trend in ("auto", "auto_monotone") or shape in ("peak", "valley"):
        regular_bins = bins[: len(bounds) - 1]
        shape = _regular_shape(
            np.array([b.good for b in regular_bins], dtype=float),
            np.array([b.bad for b in regular_bins], dtype=float),
        )
    return _finish(
        FeatureBinning(name=name, dtype="numeric", trend=shape, bins=bins), options.prior
    )


def _prebin_edges(regular: np.ndarray, n_prebins: int) -> np.ndarray:
    """Lower edges of the pre-bins after the first, each an actual data value so that no
    interval ``[edge, next)`` is empty by construction.

    A discrete feature (at most ``n_prebins`` distinct values) gets an edge at every
    value: a value held by a few rows, such as 1 bankruptcy among thousands of 0s,
    keeps a pre-bin of its own instead of vanishing inside a quantile. Otherwise the
    edges are quantiles; they only need to be near the quantiles (the merge is exact
    over whatever pre-bins it is given), so a regular sample of the values suffices.
    """
    if not regular.size:
        return np.zeros(0)
    sample = regular[:: max(1, regular.size // _QUANTILE_SAMPLE)]
    distinct = np.unique(sample)
    if distinct.size <= n_prebins:
        # Values in the tails that a strided sample skipped still get their own edge.
        distinct = np.unique(np.concatenate([distinct, _tail_values(regular, n_prebins)]))
        if distinct.size <= n_prebins:
            return distinct[distinct > regular.min()]
    quantiles = np.linspace(0, 1, n_prebins + 1)[1:-1]
    edges = np.unique(np.quantile(sample, quantiles, method="inverted_cdf"))
    return edges[edges > regular.min()]


def _tail_values(regular: np.ndarray, limit: int) -> np.ndarray:
    """The distinct values of the whole column when there are at most ``limit`` of them
    (cheap to find: a discrete column is mostly one or two values); else none."""
    if regular.size <= _QUANTILE_SAMPLE:
        return np.zeros(0)
    distinct = np.unique(regular)
    return distinct if distinct.size <= limit else np.zeros(0)


def fit_categorical(
    name: str, column: pd.Series, target: np.ndarray, options: BinningOptions
) -> FeatureBinning:
    """Fit the bins of one categorical feature: categories grouped in default-rate order."""
    codes, categories = category_codes(column)
    n_rows = codes.shape[0]
    n_cat = len(categories)
    if n_cat == 0:
        raise UninformativeFeatureError(
            f"feature {name!r} is entirely missing: drop it (--exclude {name}) or supply "
            "its values",
            "empty in the training sample",
        )
    index = np.where(codes >= 0, codes, n_cat)
    good, bad = _kernels.count_by_bin(index, target, n_cat + 1)
    if n_cat == 1 and good[n_cat] + bad[n_cat] == 0:
        raise UninformativeFeatureError(
            f"feature {name!r} has a single category ({categories[0]!r}) and cannot "
            f"separate good from bad: drop it (--exclude {name})",
            f"a single category ({categories[0]!r}) in the training sample",
        )

    # Pool rare categories so that their default rates do not decide the order by noise.
    counts = good[:n_cat] + bad[:n_cat]
    rare = counts < options.min_category_share * n_rows
    units: list[list[int]] = [[c] for c in range(n_cat) if not rare[c]]
    if rare.any():
        units.append([c for c in range(n_cat) if rare[c]])
    unit_good = np.array([good[u].sum() for u in units])
    unit_bad = np.array([bad[u].sum() for u in units])
    # Ordered by the smoothed rate the merge constrains, with the population's totals.
    total_good, total_bad = float(good.sum()), float(bad.sum())
    smoothed = [
        smoothed_bad_rate(g, b, total_good, total_bad, options.prior)
        for g, b in zip(unit_good, unit_bad, strict=True)
    ]
    order = np.argsort(np.array(smoothed, dtype=np.float64), kind="stable")
    units = [units[o] for o in order]
    unit_good, unit_bad = unit_good[order], unit_bad[order]

    min_count = options.min_rows(n_rows)
    # Sorted by default rate, any contiguous merge is ascending in that order.
    mono = dataclasses.replace(options, trend="ascending")
    starts, _ = _choose_partition(
        unit_good, unit_bad, min_count, mono, "ascending", (total_good, total_bad)
    )
    bounds = [*starts.tolist(), len(units)]
    bins: list[Bin] = []
    for g in range(len(bounds) - 1):
        members = [c for u in units[bounds[g] : bounds[g + 1]] for c in u]
        labels = sorted(categories[c] for c in members)
        bins.append(
            Bin(
                kind="categories",
                label=_category_label(labels),
                categories=labels,
                good=int(good[members].sum()),
                bad=int(bad[members].sum()),
            )
        )
    bins.append(
        Bin(kind="missing", label="missing or unknown", good=int(good[n_cat]), bad=int(bad[n_cat]))
    )
    return _finish(
        FeatureBinning(name=name, dtype="categorical", trend="ascending", bins=bins),
        options.prior,
    )


def _finish(binning: FeatureBinning, prior: float) -> FeatureBinning:
    total_good = sum(b.good for b in binning.bins)
    total_bad = sum(b.bad for b in binning.bins)
    iv = 0.0
    for b in binning.bins:
        b.woe = smoothed_woe(b.good, b.bad, total_good, total_bad, prior)
        iv += (b.good / total_good - b.bad / total_bad) * b.woe
    binning.iv = iv
    _empty_specials_follow_intervals(binning)
    return binning


def _empty_specials_follow_intervals(binning: FeatureBinning) -> None:
    """A special value no training row held has no evidence of being special: it takes
    the WOE of the interval its value falls in, so it follows the trend (an unseen "6
    unpaid bills" must not score better than 1) instead of the population's average."""
    if binning.dtype != "numeric" or not binning.n_regular:
        return
    for b in binning.bins:
        if b.kind == "special" and b.count == 0:
            b.woe = binning.bins[binning.interval_of(float(b.special_value))].woe


def _interval_label(lower: float | None, upper: float | None) -> str:
    if lower is None and upper is None:
        return "any value"
    if lower is None:
        return f"< {upper:g}"
    if upper is None:
        return f">= {lower:g}"
    return f"[{lower:g}, {upper:g})"


def _category_label(labels: list[str], limit: int = 3) -> str:
    shown = ", ".join(labels[:limit])
    return shown if len(labels) <= limit else f"{shown} (+{len(labels) - limit} more)"
