"""Permitted purposes: the one closed list of uses a partner may read a score for.

credo scores creditworthiness and nothing else. A score may be shared only to decide on
credit or on a deposit that stands in for credit risk. Every other use of a
"trustworthiness" score (hiring, internet speed, travel, access to public services,
...) is the social scoring that Article 5(1)(c) of the EU AI Act prohibits: treating
people worse in a context unrelated to the one the data was collected in. Credit scoring
itself is lawful and classed "high-risk" (Annex III, 5(b)). There is deliberately no
setting, flag or environment variable that extends this list: changing it is a code
change reviewed like any other legal decision.
"""

from __future__ import annotations

from types import MappingProxyType

from credo.errors import CredoError

PERMITTED: MappingProxyType[str, str] = MappingProxyType(
    {
        "credit_line": "deciding on a credit card or revolving credit line and its limit",
        "loan": "deciding on a loan (personal, car, mortgage) and its terms",
        "instalment_purchase": "deciding whether a purchase can be paid in instalments",
        "rental_deposit_waiver": "waiving or lowering the deposit of a rental",
        "utility_deposit": "waiving or lowering the deposit of a utility or phone contract",
    }
)

_WHY = (
    "credo scores creditworthiness only; using the score for {what} would treat people "
    "worse in a context unrelated to credit, which is the social scoring the EU AI Act "
    "prohibits (Art. 5(1)(c)). There is no setting that enables it. Permitted purposes: "
    + ", ".join(PERMITTED)
)

# Uses people ask for that are refused, with the words used in the explanation.
REFUSED: MappingProxyType[str, str] = MappingProxyType(
    {
        "employment_screening": "screening job applicants or employees",
        "hiring": "screening job applicants or employees",
        "connectivity": "deciding on internet or network connectivity",
        "internet_speed": "deciding on internet speed",
        "travel": "allowing or refusing travel, tickets or hotel bookings",
        "administrative_services": "access to administrative or public services",
        "public_services": "access to administrative or public services",
        "education": "admission to schools or universities",
        "dating": "matchmaking or dating profiles",
        "insurance_pricing": "pricing insurance",
        "housing_allocation": "allocating public housing",
        "visa": "visa or residence decisions",
        "law_enforcement": "policing or law enforcement",
        "marketing": "marketing or advertising",
    }
)


LAW = "EU AI Act (Regulation (EU) 2024/1689), Article 5(1)(c): social scoring"


class PurposeRefusedError(CredoError):
    """A purpose outside the closed list of credit purposes."""


def refused_use(purpose: str) -> str:
    """The refused use in words (a purpose nobody listed is named as it was sent)."""
    return REFUSED.get(purpose, f"the purpose {purpose[:60]!r}")


def explain_refusal(purpose: str) -> str:
    what = REFUSED.get(purpose, f"the purpose {purpose[:60]!r}")
    return _WHY.format(what=what)


def check_purpose(purpose: str) -> str:
    """Return ``purpose`` if permitted; raise ``PurposeRefusedError`` with the reason if not."""
    if purpose in PERMITTED:
        return purpose
    raise PurposeRefusedError(f"purpose {purpose[:60]!r} refused: {explain_refusal(purpose)}")


def check_purposes(purposes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if not purposes:
        raise PurposeRefusedError(f"declare at least one purpose: {', '.join(PERMITTED)}")
    return tuple(dict.fromkeys(check_purpose(p) for p in purposes))
