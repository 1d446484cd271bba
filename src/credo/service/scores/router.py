"""Partner endpoints: read a score, or only check it against a threshold."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from sqlalchemy.orm import Session

from credo.service.deps import ApiKeyValue, Ctx, presented_digest
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.keys import Principal
from credo.service.scores import logic
from credo.service.scores.schemas import (
    PartnerScoreOut,
    ScoreRequest,
    ThresholdOut,
    ThresholdRequest,
)
from credo.store.group_commit import Ahead, ahead_of

router = APIRouter(prefix="/v1/partner", tags=["scores"],
                   responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.post("/score", response_model=PartnerScoreOut, responses=NOT_FOUND)
async def read_score(body: ScoreRequest, ctx: Ctx, key: ApiKeyValue = None
                     ) -> PartnerScoreOut:
    """Score, band, benefits and reasons in words (GET /v1/disclosure lists every field),
    with the person's authorization for this purpose. Without one: 403 no-authorization,
    also when the person is unknown; under a yes / no only authorization: 403
    threshold-only."""
    digest = presented_digest(ctx, "partner", key)
    return await ctx.in_group_commit(partial(_read_score, body, digest),
                                     _lookup_ahead(digest, body))


def _read_score(body: ScoreRequest, digest: str, session: Session) -> PartnerScoreOut:
    partner, view = _lookup(digest, body, session)
    return logic.partner_score(session, partner.id, body.person_id, body.purpose,
                               active=partner.active, declared=partner.purposes, view=view)


@router.post("/threshold-check", response_model=ThresholdOut)
async def threshold_check(body: ThresholdRequest, ctx: Ctx, key: ApiKeyValue = None
                          ) -> ThresholdOut:
    """Yes / no / not available: does the score reach the threshold? Never the score."""
    digest = presented_digest(ctx, "partner", key)
    return await ctx.in_group_commit(partial(_threshold_check, body, digest),
                                     _lookup_ahead(digest, body))


def _threshold_check(body: ThresholdRequest, digest: str, session: Session) -> ThresholdOut:
    partner, view = _lookup(digest, body, session)
    return logic.partner_threshold(session, partner.id, body.person_id, body.purpose,
                                   body.threshold, active=partner.active,
                                   declared=partner.purposes, view=view)


def _lookup_ahead(digest: str, body: ScoreRequest | ThresholdRequest) -> Ahead[logic.Lookup]:
    # The hot path: the key and what the read needs about the person in one statement,
    # made for every read of the group commit's batch at once.
    return Ahead(logic.partner_rows, (digest, body.person_id, body.purpose))


def _lookup(digest: str, body: ScoreRequest | ThresholdRequest, session: Session
            ) -> tuple[Principal, logic.PartnerView]:
    # The row read ahead with the batch's, or (a unit run alone) read now.
    return logic.partner_lookup(session, digest, body.person_id, body.purpose,
                                row=ahead_of(session))
