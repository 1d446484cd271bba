"""Bin labels in plain words: "[62473.8, 150992)" on a spending feature reads as
"from 625 to under 1,510 a month".

The unit of each feature follows from its name in the catalogue (money in cents, shares,
days, ratios); an unknown feature keeps the number as it is.
"""

from __future__ import annotations

import re

_INTERVAL = re.compile(r"^\[(?P<lo>[-\d.e+]+), (?P<hi>[-\d.e+]+)\)$")
MONEY = ("income_monthly", "salary_monthly", "spend_monthly", "credit_balance",
         "card_limit_total")
RATIO = ("_change_", "_growth_", "balance_to_income", "variability")


def unit_of(feature: str) -> str:
    if feature.startswith(MONEY):
        return "money"
    if any(part in feature for part in RATIO):
        return "ratio"
    if "share" in feature or "utilisation" in feature or feature.endswith("_to_income"):
        return "share"
    if "days" in feature:
        return "days"
    return "number"


def value_in_words(feature: str, value: float) -> str:
    unit = unit_of(feature)
    if unit == "money":
        suffix = " a month" if "monthly" in feature else ""
        return f"{value / 100:,.0f}{suffix}"
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


def bin_in_words(feature: str, label: str) -> str:
    """What a bin means for this feature, in words a person reads at a glance."""
    label = label.strip()
    if label.startswith("missing"):
        return "nothing reported"
    try:
        if label.startswith("special "):
            return value_in_words(feature, float(label[8:]))
        if label.startswith("< "):
            return f"below {value_in_words(feature, float(label[2:]))}"
        if label.startswith(">= "):
            return f"{value_in_words(feature, float(label[3:]))} or more"
        match = _INTERVAL.fullmatch(label)
        if match:
            lo, hi = float(match["lo"]), float(match["hi"])
            return (f"from {value_in_words(feature, lo)} to under "
                    f"{value_in_words(feature, hi)}")
    except ValueError:
        return label
    return label.replace("_", " ")
