"""Partner endpoints: read a score, or only check it against a threshold."""

from __future__ import annotations

from fastapi import APIRouter

from credo.service.context import ServiceContext
from credo.service.deps import ApiKeyValue, Ctx, key_principal
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.scores import logic
from credo.service.scores.schemas import (
    PartnerScoreOut,
    ScoreRequest,
    ThresholdOut,
    ThresholdRequest,
)

router = APIRouter(prefix="/v1/partner", tags=["scores"],
                   responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.post("/score", response_model=PartnerScoreOut, responses=NOT_FOUND)
async def read_score(body: ScoreRequest, ctx: Ctx, key: ApiKeyValue = None
                     ) -> PartnerScoreOut:
    """Score, band, benefits and reasons in words (GET /v1/disclosure lists every field),
    with the person's authorization for this purpose. Without one: 403 no-authorization,
    also when the person is unknown; under a yes / no only authorization: 403
    threshold-only."""
    return await ctx.in_db_thread(_read_score, ctx, body, key)


def _read_score(ctx: ServiceContext, body: ScoreRequest, key: str | None) -> PartnerScoreOut:
    # The hot path: authentication and logic in one database-thread call, one session.
    with ctx.session() as session:
        partner = key_principal(ctx, session, "partner", key)
        return logic.partner_score(session, partner.id, body.person_id, body.purpose,
                                   active=partner.active, declared=partner.purposes)


@router.post("/threshold-check", response_model=ThresholdOut)
async def threshold_check(body: ThresholdRequest, ctx: Ctx, key: ApiKeyValue = None
                          ) -> ThresholdOut:
    """Yes / no / not available: does the score reach the threshold? Never the score."""
    return await ctx.in_db_thread(_threshold_check, ctx, body, key)


def _threshold_check(ctx: ServiceContext, body: ThresholdRequest, key: str | None
                     ) -> ThresholdOut:
    with ctx.session() as session:
        partner = key_principal(ctx, session, "partner", key)
        return logic.partner_threshold(session, partner.id, body.person_id, body.purpose,
                                       body.threshold, active=partner.active,
                                       declared=partner.purposes)
