"""A table's fingerprint is the same fed whole or in consecutive blocks of rows."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.scorecard.fingerprint import Fingerprint, data_fingerprint

rows = st.integers(min_value=1, max_value=60)


def _table(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    words = np.array(["salaried", "self_employed", None, "é人"], dtype=object)
    frame = pd.DataFrame({
        "person_id": [f"p{i:05d}" for i in range(n)],
        "count": rng.integers(0, 5, n).astype("int64"),
        "ratio": np.where(rng.random(n) < 0.3, np.nan, rng.random(n)),
        "employment_type": pd.array(words[rng.integers(0, 4, n)], dtype="str"),
    })
    return frame, rng.integers(0, 2, n).astype(np.uint8)


@settings(max_examples=60, deadline=None)
@given(n=rows, seed=st.integers(0, 10_000), cuts=st.lists(st.integers(0, 60), max_size=5))
def test_blocks_give_the_whole_tables_fingerprint(n, seed, cuts):
    frame, target = _table(n, seed)
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    fingerprint = Fingerprint()
    for lo, hi in itertools.pairwise(bounds):
        fingerprint.add(frame.iloc[lo:hi].reset_index(drop=True), target[lo:hi])
    assert fingerprint.hexdigest() == data_fingerprint(frame, target)


def test_any_changed_value_changes_it():
    frame, target = _table(20, 1)
    changed = frame.copy()
    changed.loc[7, "count"] += 1
    assert data_fingerprint(changed, target) != data_fingerprint(frame, target)
    assert data_fingerprint(frame, 1 - target) != data_fingerprint(frame, target)


def test_blocks_must_have_the_same_columns():
    frame, target = _table(10, 2)
    fingerprint = Fingerprint()
    fingerprint.add(frame, target)
    with pytest.raises(ValueError, match="columns"):
        fingerprint.add(frame.drop(columns="ratio"), target)
