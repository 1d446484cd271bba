"""The fingerprint of a training table: which data a model was fitted on."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def data_fingerprint(X: pd.DataFrame, target: np.ndarray) -> str:
    """SHA-256 over every value of the training table and its target."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, X.columns)).encode())
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(np.ascontiguousarray(target).tobytes())
    return "sha256:" + digest.hexdigest()
