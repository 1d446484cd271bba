"""From log-odds to a 350-950 score, and back to a default probability.

credo's scale: a score of 650 means odds of 30 goods to 1 bad (a 3.2 % default
probability), and every 50 points double the odds. So 600 is odds 15:1 (6.2 %),
550 is 7.5:1 (11.8 %), 700 is 60:1 (1.6 %), 800 is 240:1 (0.4 %). Scores are clipped
to 350-950 (higher is safer): 350 stands for odds of about 0.47:1 or worse, 950 for
about 1,920:1 or better.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from credo.errors import ConfigError

SCORE_MIN = 350
SCORE_MAX = 950


def whole_points(value: float) -> int:
    """Points as the scorecard states them: a whole number, rounded half to even (Python's
    ``round``), as every bin's points are. A mean or a gap of points is shown this way."""
    return round(value)


@dataclass(frozen=True)
class Scaling:
    base_score: float = 650.0
    base_odds: float = 30.0
    pdo: float = 50.0
    score_min: int = SCORE_MIN
    score_max: int = SCORE_MAX

    def __post_init__(self) -> None:
        if self.pdo <= 0 or self.base_odds <= 0:
            raise ConfigError("pdo and base_odds must be positive")
        if not self.score_min < self.base_score < self.score_max:
            raise ConfigError("base_score must lie inside the score range")

    @property
    def factor(self) -> float:
        """Points per unit of log-odds."""
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        """The score at even odds (log-odds 0)."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def clip(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(raw, self.score_min, self.score_max).astype(np.int32)

    def probability_of_default(self, score: np.ndarray | float) -> np.ndarray:
        """The published mapping: the default probability a score stands for.

        The score is clipped to the range first, so a raw sum of points outside it gets
        the probability of the score it is published as: one rule, whoever computes it.
        """
        clipped = np.clip(np.asarray(score, dtype=np.float64), self.score_min, self.score_max)
        log_odds_good = (clipped - self.offset) / self.factor
        return 1.0 / (1.0 + np.exp(log_odds_good))

    def score_for_probability(self, probability: float) -> float:
        return self.offset + self.factor * math.log((1.0 - probability) / probability)

    def mapping_table(self, step: int = 50) -> list[dict[str, float]]:
        """Score -> default probability at round scores, for publication."""
        scores = range(self.score_min, self.score_max + 1, step)
        return [
            {"score": s, "probability_of_default": float(self.probability_of_default(s))}
            for s in scores
        ]

    def to_dict(self) -> dict[str, float]:
        return asdict(self)
