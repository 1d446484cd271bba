"""What a partner receives: the one definition the partner's answer and the consent text
are both built from.

A person authorizes a partner for one credit purpose and one *scope*:

- ``score``: the score, its band, what the band opens and the reasons in words. Never
  the probability of default, the dimension sub-scores, the person's figures or the
  brackets ("bins") they fall in, nor which model or run computed it.
- ``threshold_only`` ("yes / no only"): whether the score reaches the partner's
  threshold. Never the score.

The partner endpoints answer with exactly the fields listed here (``/v1/partner/score``
is refused under ``threshold_only``); the portal's Sharing page and ``GET /v1/disclosure``
print the same items in words. A test checks that they match field by field, so adding a
field to the partner's answer is a change to this module, and so to what people read
before they consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from credo.errors import InputError
from credo.policy.purposes import PERMITTED

SCORE = "score"
THRESHOLD_ONLY = "threshold_only"
DEFAULT_SCOPE = SCORE


@dataclass(frozen=True)
class Item:
    """One field of the partner's answer, and what it tells the partner, in words."""

    field: str
    says: str


@dataclass(frozen=True)
class Disclosure:
    """What a partner receives for one purpose under one scope."""

    purpose: str
    scope: str
    title: str  # the scope as a person chooses it
    endpoints: tuple[str, ...]  # the partner endpoints this scope answers
    items: tuple[Item, ...]  # about the person: what the consent text lists
    echoed: tuple[str, ...]  # the partner's own request, sent back

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(i.field for i in self.items)

    def consent_text(self, partner: str = "The partner") -> str:
        """The sentence a person reads before authorizing (and the API returns)."""
        things = [i.says for i in self.items]
        listed = things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]
        return (f"{partner} receives {listed}; nothing else: never your other figures, "
                f"the brackets they fall in, your sub-scores or your probability of default.")


# The shared items, each in words a person can check against the partner's answer.
AS_OF = Item("as_of", "the date your score was computed")
SCORE_ITEM = Item("score", "your score (350 to 950)")
BAND = Item("band", "its band (for example \"good\")")
BENEFITS = Item("benefits", "what that band opens: the credit line multiple, whether a "
                            "deposit can be waived and whether instalments are offered")
REASONS = Item("reasons", "the reasons that cost you points, in words only")
RESULT = Item("result", "only yes or no: whether your score reaches the score the partner "
                        "requires (or that there is no current score)")
# Reg B (12 CFR 1002.9): an adverse answer comes with its principal reasons, specific ones.
ADVERSE_REASONS = Item("adverse_reasons", "when the answer is no, its principal reasons: "
                                          "the reason codes of what cost you the most points, "
                                          "in words, never your figures")

FRAUD_ALERT = Item("fraud_alert", "whether you placed a fraud alert, and so that the partner "
                                 "must verify your identity before granting credit")

SCOPES: MappingProxyType[str, str] = MappingProxyType({
    SCORE: "your score and what it opens",
    THRESHOLD_ONLY: "yes / no only, never the score",
})
SCORE_ENDPOINT = "/v1/partner/score"
THRESHOLD_ENDPOINT = "/v1/partner/threshold-check"


def _for(purpose: str) -> dict[str, Disclosure]:
    # Every credit purpose receives the same minimal set today; a purpose that needed
    # less (or more) would get its own items here, and its own consent text with them.
    return {
        SCORE: Disclosure(purpose, SCORE, SCOPES[SCORE], (SCORE_ENDPOINT, THRESHOLD_ENDPOINT),
                          (AS_OF, SCORE_ITEM, BAND, BENEFITS, REASONS, FRAUD_ALERT),
                          ("person_id", "purpose")),
        THRESHOLD_ONLY: Disclosure(purpose, THRESHOLD_ONLY, SCOPES[THRESHOLD_ONLY],
                                   (THRESHOLD_ENDPOINT,), (RESULT, ADVERSE_REASONS, FRAUD_ALERT),
                                   ("person_id", "purpose", "threshold")),
    }


DISCLOSURES: MappingProxyType[str, MappingProxyType[str, Disclosure]] = MappingProxyType(
    {purpose: MappingProxyType(_for(purpose)) for purpose in PERMITTED})


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InputError(f"scope {scope[:40]!r}: choose one of {', '.join(SCOPES)}")
    return scope


def disclosure(purpose: str, scope: str = DEFAULT_SCOPE) -> Disclosure:
    """What a partner receives for ``purpose`` under ``scope`` (permitted purposes only)."""
    return DISCLOSURES[purpose][check_scope(scope)]


def _answer_fields(scope: str) -> tuple[str, ...]:
    """The fields of the answer under ``scope`` (the same for every purpose)."""
    shapes = {d[scope].echoed + d[scope].fields for d in DISCLOSURES.values()}
    assert len(shapes) == 1, "one response shape per endpoint: keep the purposes aligned"
    return shapes.pop()


def score_fields() -> tuple[str, ...]:
    """The fields of ``/v1/partner/score``'s answer (the same for every purpose)."""
    return _answer_fields(SCORE)


def threshold_fields() -> tuple[str, ...]:
    return _answer_fields(THRESHOLD_ONLY)
