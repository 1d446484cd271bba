"""Partner self-description, and the public purposes and benefits policy."""

from __future__ import annotations

from fastapi import APIRouter

from credo.policy import benefits
from credo.policy.bands import BANDS
from credo.policy.disclosure import DISCLOSURES
from credo.policy.purposes import PERMITTED, REFUSED, explain_refusal
from credo.service.deps import DB, Partner
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES
from credo.service.partners import logic
from credo.service.partners.schemas import (
    BandBenefitsOut,
    BenefitsOut,
    DisclosedItemOut,
    DisclosureOut,
    PartnerOut,
    PurposeOut,
    PurposesOut,
    RefusedPurposeOut,
)

router = APIRouter(tags=["partners"], responses=COMMON_RESPONSES)


@router.get("/v1/partner", response_model=PartnerOut, responses=AUTH_RESPONSES)
def who_am_i(partner: Partner, session: DB) -> PartnerOut:
    """The calling partner and the purposes it declared."""
    p = logic.get_partner(session, partner.id)
    return PartnerOut(id=p.id, name=p.name, purposes=p.purposes, active=p.active,
                      created_at=p.created_at)


@router.get("/v1/purposes", response_model=PurposesOut, tags=["policy"])
def purposes() -> PurposesOut:
    """The closed list of purposes a score may be used for, and refused uses with why."""
    return PurposesOut(
        permitted=[PurposeOut(code=c, description=d) for c, d in PERMITTED.items()],
        refused=[RefusedPurposeOut(code=c, explanation=explain_refusal(c)) for c in REFUSED],
        note="The list is fixed in code; no setting extends it.",
    )


@router.get("/v1/benefits", response_model=BenefitsOut, tags=["policy"])
def benefits_policy() -> BenefitsOut:
    """What each score band unlocks."""
    policy = benefits.current()
    return BenefitsOut(
        deposit_waiver_min_score=policy.deposit_waiver_min_score,
        bands=[BandBenefitsOut(band=b.name, low=b.low, high=b.high,
                               **vars(policy.bands[b.name])) for b in BANDS],
    )


@router.get("/v1/disclosure", response_model=list[DisclosureOut], tags=["policy"])
def disclosures() -> list[DisclosureOut]:
    """What a partner receives for each purpose and scope: every field of its answer, in
    words, and the consent text a person reads before authorizing."""
    return [DisclosureOut(purpose=d.purpose, scope=d.scope, title=d.title,
                          endpoints=list(d.endpoints),
                          fields=[DisclosedItemOut(field=i.field, says=i.says)
                                  for i in d.items],
                          echoed=list(d.echoed), consent=d.consent_text())
            for by_scope in DISCLOSURES.values() for d in by_scope.values()]
