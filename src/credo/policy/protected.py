"""Protected attributes recognised by name, kept out of a model unless someone says so.

A table handed to credo without a data dictionary (German Credit as it comes, say) may
carry a person's age, sex or nationality as ordinary columns. Such columns are never a
model input by default: a column whose name reads as a protected attribute is left out,
and the training output names it. A data dictionary that lists the column as a feature,
or ``--allow-protected COLUMN``, says otherwise, on the record.

Names are split into words (``snake_case``, ``kebab-case``, ``camelCase``, spaces), so
"age" matches ``age_in_years`` or ``ApplicantAge`` but not ``mortgage`` or ``average``.
"""

from __future__ import annotations

import re

# Whole words that name a protected attribute.
PROTECTED_WORDS = frozenset({
    "age", "aged", "dob", "sex", "gender", "marital", "married", "spouse", "widowed",
    "divorced", "nationality", "foreign", "foreigner", "citizen", "citizenship",
    "immigrant", "immigration", "race", "racial", "ethnic", "ethnicity", "religion",
    "religious", "faith", "caste", "disability", "disabled", "handicap", "pregnant",
    "pregnancy", "orientation", "lgbt", "political",
})
# Word beginnings, for words that take many forms (birthdate, ethnicities...).
PROTECTED_PREFIXES = ("birth", "ethnic", "relig", "disab", "pregnan", "nationalit",
                      "citizen", "marit", "gender")


def words_of(column: str) -> list[str]:
    """The words of a column name, lower case."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def looks_protected(column: str) -> bool:
    return any(w in PROTECTED_WORDS or w.startswith(PROTECTED_PREFIXES) for w in words_of(column))
