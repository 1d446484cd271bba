"""Which people develop a model and which validate it.

Out-of-time validation alone is not enough on a lake: next month's population is mostly
this month's people, a month older, with outcome windows that overlap by eleven months.
A model that recognises individuals (a deep tree ensemble can, from a few tenure
figures) then looks far better than it is. So a fixed share of people is kept out of
development altogether, chosen by a keyed hash of the person id (the same people every
month for the same seed), and the validation months are measured on them alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from credo.errors import ConfigError

DEFAULT_HOLDOUT = 0.3
_SCALE = float(2**64)


def check_holdout(share: object) -> float:
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 0.9:
        raise ConfigError(f"holdout must be a share of people from 0 to 0.9, got {share!r}")
    return float(share)


def held_out(person_ids: Iterable[object], share: float, seed: int) -> np.ndarray:
    """True for each person kept out of development (about ``share`` of them)."""
    share = check_holdout(share)
    key = int(seed).to_bytes(8, "little", signed=True)
    draws = np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(p).encode(), key=key, digest_size=8).digest(),
                        "little") / _SCALE for p in person_ids),
        dtype=np.float64,
    )
    return draws < share


def on_side(person_ids: Iterable[object], share: float, seed: int, held: bool) -> np.ndarray:
    """True for the people on one side of the split: held out (``held``) or developed on.
    With no share held out, everyone is on both sides."""
    ids = list(person_ids)
    if share <= 0:
        return np.ones(len(ids), dtype=bool)
    return held_out(ids, share, seed) == held
