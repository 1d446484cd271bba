from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credo.datasets import load_german_credit
from credo.scorecard import Scorecard


@pytest.fixture(scope="session")
def german():
    return load_german_credit()


@pytest.fixture(scope="session")
def german_model(german):
    X, y, dictionary = german
    return Scorecard(dictionary=dictionary).fit(X, y)


def make_table(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A small table with numeric, categorical, missing and special values."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.5, n)
    utilisation = rng.uniform(0, 1.2, n)
    months = rng.integers(0, 60, n).astype(float)
    months[rng.random(n) < 0.2] = -1  # special: never delinquent
    region = rng.choice(["north", "south", "east", "west", "isle"], n, p=[.3, .3, .2, .19, .01])
    log_odds = -2.5 - 0.8 * (np.log(income) - 10) + 1.5 * utilisation - 0.02 * months
    log_odds += np.where(region == "south", 0.4, 0.0)
    bad = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
    income[rng.random(n) < 0.1] = np.nan
    frame = pd.DataFrame(
        {"income": income, "utilisation": utilisation, "months_since_late": months,
         "region": region}
    )
    frame.loc[rng.random(n) < 0.05, "region"] = None
    return frame, bad
