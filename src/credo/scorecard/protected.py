"""The columns a scorecard keeps out of its inputs as protected attributes."""

from __future__ import annotations

from collections.abc import Sequence

from credo.dictionary import DataDictionary
from credo.errors import ConfigError
from credo.policy.protected import looks_protected


def protected_columns(
    columns: Sequence[object], dictionary: DataDictionary, allowed: Sequence[str] = ()
) -> list[str]:
    """Columns kept out as protected: the dictionary's, and those whose names read as a
    protected attribute unless the dictionary lists them as features or they are allowed."""
    refused = sorted(set(allowed) & dictionary.protected)
    if refused:
        raise ConfigError(
            f"{refused} are protected in the data dictionary and can never be model inputs: "
            "remove them from allow_protected (or from the dictionary's protected list)"
        )
    return sorted(
        str(c) for c in columns
        if c in dictionary.protected
        or (looks_protected(str(c)) and c not in dictionary.features and c not in allowed)
    )
