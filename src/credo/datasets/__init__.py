"""Built-in example data.

``german_credit``: the Statlog (German Credit Data) set, 1,000 loan applicants and
whether each repaid (``creditability``: good / bad; 300 bad). UCI Machine Learning
Repository, donated by Prof. Dr. Hans Hofmann, Universitaet Hamburg (1994),
doi:10.24432/C5NC77, licensed CC BY 4.0. The coded values are decoded into words so
that reason codes read naturally.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from credo.dictionary import DataDictionary

GERMAN_CREDIT_TARGET = "creditability"
GERMAN_CREDIT_BAD = "bad"
GERMAN_CREDIT_CITATION = (
    "Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine Learning Repository. "
    "https://doi.org/10.24432/C5NC77 (CC BY 4.0)"
)


def _path(name: str) -> Path:
    return Path(str(resources.files(__name__).joinpath(name)))


def german_credit_path() -> Path:
    return _path("german_credit.csv")


def german_credit_dictionary_path() -> Path:
    return _path("german_credit.json")


def load_german_credit() -> tuple[pd.DataFrame, pd.Series, DataDictionary]:
    """Features (with protected columns, which the dictionary marks), target (1 = bad)."""
    frame = pd.read_csv(german_credit_path())
    target = (frame.pop(GERMAN_CREDIT_TARGET) == GERMAN_CREDIT_BAD).astype("int8")
    return frame, target, DataDictionary.load(german_credit_dictionary_path())
