"""The fingerprint of a training table: which data a model was fitted on."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


class Fingerprint:
    """SHA-256 over every value of a table and its target, fed in consecutive blocks of
    rows: the same digest as the whole table at once, so a table too large to hold is
    fingerprinted as it is computed."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._columns: list[str] | None = None
        self._targets: list[bytes] = []

    def add(self, X: pd.DataFrame, target: np.ndarray) -> None:
        columns = list(map(str, X.columns))
        if self._columns is None:
            self._columns = columns
            self._digest.update("\x1f".join(columns).encode())
        elif columns != self._columns:
            raise ValueError(f"a block has columns {columns}, the first had {self._columns}")
        self._digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
        self._targets.append(np.ascontiguousarray(target).tobytes())

    def hexdigest(self) -> str:
        digest = self._digest.copy()
        for block in self._targets:  # the targets come after every row's values
            digest.update(block)
        return "sha256:" + digest.hexdigest()


def data_fingerprint(X: pd.DataFrame, target: np.ndarray) -> str:
    """SHA-256 over every value of the training table and its target."""
    fingerprint = Fingerprint()
    fingerprint.add(X, target)
    return fingerprint.hexdigest()
