"""The scoring engine: a fitted scorecard flattened into arrays for the compiled loops,
which add every feature's points into each row's total, row ranges side by side on
credo's worker threads (:mod:`credo.worker_pool`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credo.scorecard import _kernels
from credo.scorecard.binning import FeatureBinning
from credo.scorecard.encoding import dictionary_parts, known_category_codes, numeric_values
from credo.scorecard.feature import ScorecardFeature
from credo.threads import pool_threads
from credo.worker_pool import on_threads

_ROWS_PER_TASK = 32_768


@dataclass
class ScoringPlan:
    """The scorecard flattened into arrays for the compiled scoring loop."""

    numeric: list[FeatureBinning]
    categorical: list[FeatureBinning]
    edges: np.ndarray
    edge_start: np.ndarray
    points: np.ndarray
    specials: np.ndarray
    special_points: np.ndarray
    special_start: np.ndarray
    missing_points: np.ndarray
    categorical_points: list[tuple[FeatureBinning, list[str], np.ndarray]]

    @classmethod
    def build(cls, features: list[ScorecardFeature]) -> ScoringPlan:
        numeric = [f.binning for f in features if f.binning.dtype == "numeric"]
        categorical = [f.binning for f in features if f.binning.dtype == "categorical"]

        def flat(parts: list[list], dtype: type) -> np.ndarray:
            return np.array([v for part in parts for v in part], dtype=dtype)

        def starts(parts: list[list]) -> np.ndarray:
            return np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)

        edges = [b.edges.tolist() for b in numeric]
        specials = [b.specials.tolist() for b in numeric]
        return cls(
            numeric=numeric,
            categorical=categorical,
            edges=flat(edges, np.float64),
            edge_start=starts(edges),
            points=flat([[x.points for x in b.bins if x.kind == "interval"] for b in numeric],
                        np.int32),
            specials=flat(specials, np.float64),
            special_points=flat(
                [[x.points for x in b.bins if x.kind == "special"] for b in numeric], np.int32
            ),
            special_start=starts(specials),
            missing_points=np.array([b.bins[-1].points for b in numeric], dtype=np.int32),
            categorical_points=[
                (
                    b,
                    list(b.category_bin),
                    np.array(
                        [b.bins[k].points for k in b.category_bin.values()]
                        + [b.bins[-1].points],
                        dtype=np.int32,
                    ),
                )
                for b in categorical
            ],
        )

    def add_points(self, X: pd.DataFrame, total: np.ndarray) -> None:
        n = total.shape[0]
        threads = pool_threads(n)
        parallel = threads > 1

        frame = {b.name: X[b.name] for b in (*self.numeric, *self.categorical)}

        def encode(item: tuple[FeatureBinning, list[str], np.ndarray]) -> tuple:
            # Points per code of the column's own encoding; the last entry (code -1)
            # is the missing bin's. A dictionary-encoded column costs a lookup per
            # label here; a text column, a hash lookup per row (in Arrow, GIL released).
            binning, known, code_points = item
            codes, positions = known_category_codes(frame[binning.name], known)
            return codes, code_points[positions]

        items = self.categorical_points
        hashed = sum(dictionary_parts(frame[b.name]) is None for b, _, _ in items)
        if parallel and hashed > 1:
            coded = on_threads([lambda item=item: encode(item) for item in items], threads)
        else:
            coded = [encode(item) for item in items]
        columns = tuple(_read_only(numeric_values(frame[b.name], b.name))
                        for b in self.numeric)

        def rows(lo: int, hi: int) -> None:
            # Every feature adds into the same rows: row ranges never overlap, so
            # threads write to ``total`` without races.
            if columns:
                _kernels.add_numeric_points(
                    columns, self.edges, self.edge_start, self.points, self.specials,
                    self.special_points, self.special_start, self.missing_points, total,
                    lo, hi,
                )
            for codes, code_points in coded:
                _kernels.add_code_points(codes[lo:hi], code_points, total[lo:hi])

        if not parallel:
            rows(0, n)
            return
        # The compiled loops release the GIL, so row ranges run side by side. A few
        # ranges per thread, taken by whichever thread is free: on a shared machine
        # one descheduled thread then does not hold the whole call up.
        parts = min(4 * threads, max(1, n // _ROWS_PER_TASK))
        cuts = np.linspace(0, n, parts + 1).astype(int).tolist()
        on_threads([lambda lo=lo, hi=hi: rows(lo, hi) for lo, hi in itertools.pairwise(cuts)],
                    threads)


def _read_only(values: np.ndarray) -> np.ndarray:
    # Columns shared with Arrow are read-only; the compiled loop takes a tuple of one
    # array type, so every column is passed as a read-only view (no copy).
    view = values.view()
    view.flags.writeable = False
    return view
