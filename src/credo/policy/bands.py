"""Score bands: one place that says what a score range is called."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Band:
    name: str
    low: int  # inclusive
    high: int  # inclusive


BANDS: tuple[Band, ...] = (
    Band("poor", 350, 549),
    Band("fair", 550, 599),
    Band("good", 600, 649),
    Band("very good", 650, 699),
    Band("excellent", 700, 950),
)
BAND_NAMES: tuple[str, ...] = tuple(b.name for b in BANDS)
# The cut-offs between bands: the lowest score of every band but the first.
CUT_OFFS: tuple[int, ...] = tuple(b.low for b in BANDS[1:])
_LOWER_BOUNDS = np.array(CUT_OFFS)


def band_of(score: int) -> str:
    return BANDS[int(np.searchsorted(_LOWER_BOUNDS, score, side="right"))].name


def bands_of(scores: np.ndarray) -> np.ndarray:
    """Band name of every score (vectorised)."""
    names = np.array(BAND_NAMES, dtype=object)
    return names[np.searchsorted(_LOWER_BOUNDS, scores, side="right")]
