"""What a score may rest on: the closed list of bases, and the features refused.

credo scores how a person meets obligations and their capacity to meet them, never how
or where they spend. Every catalogue feature declares one basis below; a feature that
judges lifestyle (what or where a person buys, how they pay in a shop, how busy their
account is) has no basis and is refused here, beside the refused purposes
(:mod:`credo.policy.purposes`). Refused features are not computed and never reach a
model; a test holds the catalogue to this list. Like the purposes, the list is changed
only by a reviewed code change, never by a setting.
"""

from __future__ import annotations

from types import MappingProxyType

BASES: MappingProxyType[str, str] = MappingProxyType(
    {
        "payment_history": "how bills and debts were paid: on time, late, missed, "
        "written off, taken to court",
        "amounts_owed_and_capacity": "what is owed against limits and income, and the "
        "income there is to pay it",
        "length_of_history": "how long the record is",
        "new_credit": "credit sought recently",
        "credit_mix": "the accounts held and kept",
        "identity_verification": "that the person is who they say, and reachable",
    }
)

_LIFESTYLE = "judges lifestyle, not how obligations are met"

REFUSED_FEATURES: MappingProxyType[str, str] = MappingProxyType(
    {
        "online_share_12m": f"where a person shops (online or in shops) {_LIFESTYLE}",
        "gambling_share_24m": f"what a person buys (merchant categories) {_LIFESTYLE}",
        "essentials_share_12m": f"what a person buys (merchant categories) {_LIFESTYLE}",
        "cash_share_12m": f"how a person pays (cash withdrawals) {_LIFESTYLE}",
        "refund_share_12m": f"returning purchases {_LIFESTYLE}",
        "transactions_3m": f"how busy an account is (transaction counts) {_LIFESTYLE}",
        "spend_monthly_6m": f"how much a person spends, apart from income, {_LIFESTYLE}",
        "spend_variability_6m": f"how regularly a person spends {_LIFESTYLE}",
        "spend_change_3m": f"a change in spending, apart from income, {_LIFESTYLE}",
        "open_mortgages": "owning a home is wealth, not conduct: nobody should need a "
        "mortgage for a good score",
    }
)


def check_basis(feature: str, basis: str) -> None:
    """Refuse, at import, a catalogue entry with no admissible basis or a refused name."""
    if feature in REFUSED_FEATURES:
        raise ValueError(f"feature {feature!r} is refused: {REFUSED_FEATURES[feature]}")
    if basis not in BASES:
        raise ValueError(
            f"feature {feature!r} declares basis {basis!r}: choose one of " + ", ".join(BASES)
        )
