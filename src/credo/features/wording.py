"""A feature's values and bins in plain words: "[62473.8, 150992)" on a catalogue's
income feature reads as "from EUR 625 a month to under EUR 1,510 a month".

The unit of a catalogue feature follows from its name (money in cents of the lake's
reporting currency, shares, days, ratios). A feature the catalogue does not define (a
column of a table a model was trained on) has no known unit: its bins keep their labels,
never read as money or days they might not be.
"""

from __future__ import annotations

import re

from credo.features.catalogue import CATALOGUE
from credo.money import money_in_words

_INTERVAL = re.compile(r"^\[(?P<lo>[-\d.e+]+), (?P<hi>[-\d.e+]+)\)$")
MONEY = ("income_monthly", "salary_monthly", "spend_monthly", "credit_balance",
         "card_limit_total")
RATIO = ("_change_", "_growth_", "balance_to_income", "variability")
_CATALOGUED = frozenset(spec.name for spec in CATALOGUE)


def unit_of(feature: str) -> str:
    """``money``, ``share``, ``ratio``, ``days`` or ``number``."""
    if feature not in _CATALOGUED:
        return "number"
    if feature.startswith(MONEY):
        return "money"
    if any(part in feature for part in RATIO):
        return "ratio"
    if "share" in feature or "utilisation" in feature or feature.endswith("_to_income"):
        return "share"
    if "days" in feature:
        return "days"
    return "number"


def value_in_words(feature: str, value: float, currency: str) -> str:
    """One value of ``feature``; ``currency`` is the lake's reporting currency."""
    unit = unit_of(feature)
    if unit == "money":
        suffix = " a month" if "monthly" in feature else ""
        return f"{money_in_words(value, currency, whole=True)}{suffix}"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "ratio":
        return f"{value:.2f}×"
    if unit == "days":
        if abs(value) >= 730:
            return f"{value / 365.25:.1f} years"
        if abs(value) >= 60:
            return f"{value / 30.44:.0f} months"
        return f"{value:.0f} days"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:.2g}"


def bin_in_words(feature: str, label: str, currency: str) -> str:
    """What a bin means for this feature, in words a person reads at a glance (the label
    as it is for a feature outside the catalogue)."""
    label = label.strip()
    if feature not in _CATALOGUED:
        return label
    if label.startswith("missing"):
        return "nothing reported"
    try:
        if label.startswith("special "):
            return value_in_words(feature, float(label[8:]), currency)
        if label.startswith("< "):
            return f"below {value_in_words(feature, float(label[2:]), currency)}"
        if label.startswith(">= "):
            return f"{value_in_words(feature, float(label[3:]), currency)} or more"
        match = _INTERVAL.fullmatch(label)
        if match:
            lo, hi = float(match["lo"]), float(match["hi"])
            return (f"from {value_in_words(feature, lo, currency)} to under "
                    f"{value_in_words(feature, hi, currency)}")
    except ValueError:
        return label
    return label.replace("_", " ")
