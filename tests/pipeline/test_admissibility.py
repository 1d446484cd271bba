"""What a score may rest on: every feature has an admissible basis, none judges lifestyle."""

from __future__ import annotations

import pytest

from credo.features.catalogue import CATALOGUE, FEATURE_NAMES, FeatureSpec
from credo.features.definitions import TRANSACTIONS
from credo.policy.admissibility import BASES, REFUSED_FEATURES


def test_every_catalogue_feature_declares_an_admissible_basis():
    assert {spec.basis for spec in CATALOGUE} <= set(BASES)
    assert not set(FEATURE_NAMES) & set(REFUSED_FEATURES)


def test_lifestyle_features_are_refused_with_their_reason():
    # channel, merchant mix, refunds, essentials, gambling, cash, transaction counts
    for name in ("online_share_12m", "gambling_share_24m", "essentials_share_12m",
                 "cash_share_12m", "refund_share_12m", "transactions_3m"):
        assert "lifestyle" in REFUSED_FEATURES[name]


@pytest.mark.parametrize(("name", "basis", "message"), [
    ("online_share_12m", "payment_history", "is refused"),
    ("new_feature", "loyalty", "declares basis 'loyalty'"),
])
def test_a_feature_without_an_admissible_basis_cannot_be_declared(name, basis, message):
    with pytest.raises(ValueError, match=message):
        FeatureSpec(name, "behaviour", basis, "words", None, "Do this.",
                    computed_by=TRANSACTIONS)


def test_every_scored_features_advice_is_an_action():
    # Advice is shown beside a reason: it says what to do, never that nothing can be.
    for spec in CATALOGUE:
        text = spec.advice.lower()
        assert spec.advice.endswith(".") and not text.startswith("nothing to do"), spec.name
        assert "is not a fault" not in text and "is fine" not in text, spec.name
