"""Human review: the person asks and follows; the operator decides."""

from __future__ import annotations

import math
from typing import Literal

from fastapi import APIRouter, Path, Query

from credo.service.deps import DB, Ctx, Operator, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, CONFLICT, NOT_FOUND
from credo.service.ids import UUID_REGEX
from credo.service.reviews import logic
from credo.service.reviews.schemas import DecisionIn, OperatorReviewOut, ReviewIn, ReviewOut
from credo.store.models import Review, now

router = APIRouter(tags=["reviews"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})
ReviewId = Path(pattern=UUID_REGEX, max_length=36)


def days_left(r: Review) -> int:
    if r.status != "open":
        return 0
    return max(0, math.ceil((r.due_at - now()).total_seconds() / 86400))


def out(r: Review) -> ReviewOut:
    return ReviewOut(id=r.id, person_id=r.person_id, statement=r.statement,
                     status=r.status, score=r.score, band=r.band,  # type: ignore[arg-type]
                     as_of=r.as_of, filed_at=r.filed_at, due_at=r.due_at,
                     days_left=days_left(r), decided_at=r.decided_at, decision=r.decision)


def operator_out(r: Review) -> OperatorReviewOut:
    return OperatorReviewOut(**out(r).model_dump(), reasons=r.reasons or [],
                             points=r.points, decided_by=r.decided_by)  # type: ignore[arg-type]


@router.post("/v1/me/reviews", response_model=ReviewOut, status_code=201,
             responses={**NOT_FOUND, **CONFLICT})
def ask(body: ReviewIn, person: Person, ctx: Ctx, session: DB) -> ReviewOut:
    """Ask a person at credo to review your current score, with your statement. Answered
    within one month; one open review at a time (409 while one is open)."""
    return out(logic.request_review(session, person.id, body.statement, ctx.points_of))


@router.get("/v1/me/reviews", response_model=list[ReviewOut])
def mine(person: Person, session: DB) -> list[ReviewOut]:
    """Your reviews, newest first, with their deadlines and decisions."""
    return [out(r) for r in logic.list_for_person(session, person.id)]


@router.get("/v1/me/reviews/{review_id}", response_model=ReviewOut, responses=NOT_FOUND)
def one(person: Person, session: DB, review_id: str = ReviewId) -> ReviewOut:
    return out(logic.get_for_person(session, person.id, review_id))


@router.get("/v1/operator/reviews", response_model=list[OperatorReviewOut])
def queue(operator: Operator, session: DB,
          status: Literal["open", "confirmed", "withdrawn"] | None = Query(None)
          ) -> list[OperatorReviewOut]:
    """Reviews by deadline, soonest first, with the score's points per feature (the read
    is audited: statements and points are personal data)."""
    return [operator_out(r) for r in logic.list_all_audited(session, status,
                                                            actor=operator.id)]


@router.post("/v1/operator/reviews/{review_id}/confirm", response_model=OperatorReviewOut,
             responses={**NOT_FOUND, **CONFLICT})
def confirm(body: DecisionIn, operator: Operator, session: DB,
            review_id: str = ReviewId) -> OperatorReviewOut:
    """The score stands; your reasons go to the person."""
    return operator_out(logic.decide(session, review_id, "confirmed", reasons=body.reasons,
                                     actor=operator.id))


@router.post("/v1/operator/reviews/{review_id}/withdraw", response_model=OperatorReviewOut,
             responses={**NOT_FOUND, **CONFLICT})
def withdraw(body: DecisionIn, operator: Operator, session: DB,
             review_id: str = ReviewId) -> OperatorReviewOut:
    """The score does not fairly reflect the person: it is withdrawn (partners receive
    nothing) until the next monthly run; your reasons go to the person."""
    return operator_out(logic.decide(session, review_id, "withdrawn", reasons=body.reasons,
                                     actor=operator.id))
