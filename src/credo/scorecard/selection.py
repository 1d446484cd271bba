"""Feature selection: by information value, then by correlation between WOE columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class SelectionEntry:
    feature: str
    iv: float
    selected: bool
    reason: str


def select_by_iv_and_correlation(
    ivs: dict[str, float],
    woe_columns: Callable[[list[str]], np.ndarray],
    min_iv: float,
    max_correlation: float,
) -> list[SelectionEntry]:
    """Keep features with IV >= ``min_iv``; of a pair correlated above ``max_correlation``
    keep the one with the higher IV. Returns one entry per feature, strongest first.

    ``woe_columns(names)`` makes the WOE of ``names`` as a new (rows, names) matrix; it
    is asked once, for the features strong enough to be kept, and the matrix is consumed.
    """
    order = sorted(ivs, key=lambda f: (-ivs[f], f))
    entries: list[SelectionEntry] = []
    kept: list[str] = []
    strong = [f for f in order if ivs[f] >= min_iv]
    correlation = _correlation(woe_columns(strong), strong) if len(strong) > 1 else {}
    for feature in order:
        iv = ivs[feature]
        if iv < min_iv:
            entries.append(
                SelectionEntry(feature, iv, False, f"information value {iv:.4f} below {min_iv}")
            )
            continue
        partner = next(
            (k for k in kept if abs(correlation[(feature, k)]) > max_correlation), None
        )
        if partner is not None:
            rho = correlation[(feature, partner)]
            entries.append(
                SelectionEntry(
                    feature, iv, False,
                    f"WOE correlation {rho:+.2f} with {partner!r}, which has a higher IV",
                )
            )
            continue
        kept.append(feature)
        entries.append(SelectionEntry(feature, iv, True, "selected"))
    return entries


def _correlation(matrix: np.ndarray, names: list[str]) -> dict[tuple[str, str], float]:
    # The matrix is made for this call, so it is centred in place (no second copy).
    matrix = np.asarray(matrix, dtype=np.float32)
    matrix -= matrix.mean(axis=0, dtype=np.float64).astype(np.float32)
    cov = (matrix.T @ matrix).astype(np.float64)
    std = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(std, std)
    corr = np.nan_to_num(corr)
    return {(a, b): float(corr[i, j]) for i, a in enumerate(names) for j, b in enumerate(names)}
