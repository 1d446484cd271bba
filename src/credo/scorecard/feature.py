"""A feature of a fitted scorecard: its bins (with points) and its coefficient.

Its own module, below the estimator, so that the scoring engine and the model file can
name it without importing the estimator.
"""

from __future__ import annotations

from dataclasses import dataclass

from credo.scorecard.binning import FeatureBinning


@dataclass
class ScorecardFeature:
    """A feature of the fitted scorecard: its bins (with points) and its coefficient."""

    binning: FeatureBinning
    coefficient: float
    dimension: str
    description: str

    @property
    def name(self) -> str:
        return self.binning.name

    @property
    def best_points(self) -> int:
        return max(b.points for b in self.binning.bins)

    @property
    def worst_points(self) -> int:
        return min(b.points for b in self.binning.bins)
