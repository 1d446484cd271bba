"""A person's own endpoints: activation, login, score, history, export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from credo.service.deps import DB, Ctx, Person, client_key
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES
from credo.service.people import logic
from credo.service.people.schemas import (
    ActivateIn,
    ExportOut,
    HistoryEntry,
    LoginIn,
    MyScoreOut,
    TokenOut,
)
from credo.service.scores import logic as scores
from credo.service.scores.schemas import SubScores

router = APIRouter(tags=["people"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})
ClientKey = Annotated[str, Depends(client_key)]


@router.post("/v1/people/activate", status_code=204, response_class=Response)
def activate(body: ActivateIn, ctx: Ctx, session: DB, client: ClientKey) -> Response:
    """Set your password with the one-time activation code the operator gave you."""
    ctx.limiter.check("activate:" + client)
    logic.activate(session, ctx.pepper, body.person_id, body.activation_code, body.password)
    return Response(status_code=204)


@router.post("/v1/people/login", response_model=TokenOut)
def login(body: LoginIn, ctx: Ctx, session: DB, client: ClientKey) -> TokenOut:
    """Exchange your person id and password for a session token."""
    ctx.limiter.check("login:" + client)
    ctx.limiter.check("login-person:" + body.person_id)
    token, expires = logic.login(session, ctx.pepper, body.person_id, body.password,
                                 ctx.config.token_hours, client=client)
    return TokenOut(token=token, expires_at=expires)


@router.post("/v1/me/logout", status_code=204, response_class=Response)
def logout(person: Person, session: DB) -> Response:
    """End this session: the token stops working at once."""
    logic.logout(session, person)
    return Response(status_code=204)


@router.get("/v1/me/score", response_model=MyScoreOut)
def my_score(person: Person, session: DB) -> MyScoreOut:
    """Your current score with its band, sub-scores, reasons in plain words and benefits."""
    hist = scores.history(session, person.id)
    entry = scores.current(session, person.id)
    pending = scores.pending(hist)
    if entry is not None:
        msg = "your current score"
    elif pending:
        msg = ("your score is being recomputed after a dispute was resolved; it is shared "
               "with nobody until then")
    else:
        msg = "no score has been published for you yet"
    return MyScoreOut(score=scores.to_out(entry) if entry else None, pending=pending,
                      message=msg)


@router.get("/v1/me/score/history", response_model=list[HistoryEntry])
def my_history(person: Person, session: DB) -> list[HistoryEntry]:
    """Every score you had, newest first, including rescores after disputes."""
    return [HistoryEntry(
        as_of=e.as_of, status=e.status, score=e.score, band=e.band,  # type: ignore[arg-type]
        sub_scores=SubScores(credit_history=e.credit_history,
                             fulfilment_capacity=e.fulfilment_capacity, behaviour=e.behaviour,
                             identity=e.identity, tenure=e.tenure),
        reasons=scores.reasons(e.reasons), run_id=e.run_id, note=e.note,
        recorded_at=e.recorded_at,
    ) for e in scores.history(session, person.id)]


@router.get("/v1/me/export", response_model=ExportOut)
def export(person: Person, ctx: Ctx, session: DB) -> ExportOut:
    """All the data credo holds about you, as JSON: store and event-lake records."""
    return ExportOut(**logic.export(session, ctx.lake, person.id))
