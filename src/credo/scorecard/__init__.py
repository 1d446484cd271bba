"""The scorecard engine: optimal monotone binning, WOE, logistic regression, points.

Public face: :class:`Scorecard` (the estimator), :class:`Scaling`, :class:`DataDictionary`,
and the functions to save, load, explain, measure and render a model as SQL.
"""

from credo.dictionary import DIMENSIONS, DataDictionary, FeatureInfo
from credo.scorecard.binning import BinningOptions, FeatureBinning
from credo.scorecard.model import Scorecard
from credo.scorecard.scaling import SCORE_MAX, SCORE_MIN, Scaling

__all__ = [
    "DIMENSIONS",
    "SCORE_MAX",
    "SCORE_MIN",
    "BinningOptions",
    "DataDictionary",
    "FeatureBinning",
    "FeatureInfo",
    "Scaling",
    "Scorecard",
]
