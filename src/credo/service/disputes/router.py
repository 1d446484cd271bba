"""Disputes: the person files and follows them; the operator resolves them."""

from __future__ import annotations

import math
from typing import Literal

from fastapi import APIRouter, Path, Query

from credo.service.deps import DB, Ctx, Operator, Person
from credo.service.disputes import logic
from credo.service.disputes.schemas import DisputeIn, DisputeOut, ResolveIn
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, CONFLICT, NOT_FOUND
from credo.service.ids import UUID_REGEX
from credo.store.models import Dispute, now

router = APIRouter(tags=["disputes"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})
DisputeId = Path(pattern=UUID_REGEX, max_length=36)


def out(d: Dispute) -> DisputeOut:
    left = 0 if d.status != "open" else max(0, math.ceil((d.due_at - now()).total_seconds()
                                                          / 86400))
    return DisputeOut(id=d.id, person_id=d.person_id, kind=d.kind, source_id=d.source_id,
                      record_id=d.record_id, reason=d.reason, status=d.status,  # type: ignore[arg-type]
                      filed_at=d.filed_at, due_at=d.due_at, days_left=left,
                      resolved_at=d.resolved_at, resolution_note=d.resolution_note)


@router.post("/v1/me/disputes", response_model=DisputeOut, status_code=201,
             responses={**NOT_FOUND, **CONFLICT})
def file(body: DisputeIn, person: Person, ctx: Ctx, session: DB) -> DisputeOut:
    """Contest one of your records: it is left out of scoring until resolved."""
    return out(logic.file_dispute(session, ctx.lake, person.id, kind=body.kind,
                                  source_id=body.source_id, record_id=body.record_id,
                                  reason=body.reason))


@router.get("/v1/me/disputes", response_model=list[DisputeOut])
def mine(person: Person, session: DB) -> list[DisputeOut]:
    """Your disputes, newest first, with their deadlines and outcomes."""
    return [out(d) for d in logic.list_for_person(session, person.id)]


@router.get("/v1/me/disputes/{dispute_id}", response_model=DisputeOut, responses=NOT_FOUND)
def one(person: Person, session: DB, dispute_id: str = DisputeId) -> DisputeOut:
    return out(logic.get_for_person(session, person.id, dispute_id))


@router.get("/v1/operator/disputes", response_model=list[DisputeOut])
def list_all(operator: Operator, session: DB,
             status: Literal["open", "upheld", "rejected"] | None = Query(None)
             ) -> list[DisputeOut]:
    """Disputes by deadline, soonest first (the read is audited: they are personal data)."""
    return [out(d) for d in logic.list_all_audited(session, status, actor=operator.id)]


def _resolve(outcome: str, dispute_id: str, body: ResolveIn, operator: Operator, ctx: Ctx,
             session: DB) -> DisputeOut:
    d, _ = logic.resolve(session, dispute_id, outcome, note=body.note, actor=operator.id,
                         rescorer=ctx.rescorer)
    return out(d)


@router.post("/v1/operator/disputes/{dispute_id}/uphold", response_model=DisputeOut,
             responses={**NOT_FOUND, **CONFLICT})
def uphold(body: ResolveIn, operator: Operator, ctx: Ctx, session: DB,
           dispute_id: str = DisputeId) -> DisputeOut:
    """The record is wrong: it stays out of scoring; the person is rescored."""
    return _resolve("upheld", dispute_id, body, operator, ctx, session)


@router.post("/v1/operator/disputes/{dispute_id}/reject", response_model=DisputeOut,
             responses={**NOT_FOUND, **CONFLICT})
def reject(body: ResolveIn, operator: Operator, ctx: Ctx, session: DB,
           dispute_id: str = DisputeId) -> DisputeOut:
    """The record stands: it counts again; the person is rescored."""
    return _resolve("rejected", dispute_id, body, operator, ctx, session)
