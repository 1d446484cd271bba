"""Authenticated ingestion: a source pushes records of one kind."""

from __future__ import annotations

from fastapi import APIRouter

from credo.service.deps import DB, Ctx, Source
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, problem_response
from credo.service.sources import logic
from credo.service.sources.schemas import PushIn, PushOut

router = APIRouter(tags=["sources"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.post("/v1/sources/records", response_model=PushOut, responses={
    503: problem_response(503, "The lake is being written by another process, or enough "
                               "pushes are under way: send again after Retry-After"),
})
def push(body: PushIn, source: Source, ctx: Ctx, session: DB) -> PushOut:
    """Validate and append records, exactly as `credo ingest` does: invalid ones are
    quarantined with reasons, re-sent ones are not counted twice."""
    report = logic.push_records(session, ctx.lake, source.id, body.kind, body.records)
    return PushOut(kind=report.kind, source=report.source, accepted=report.accepted,
                   duplicate=report.duplicate, superseded=report.superseded,
                   quarantined=report.quarantined, reasons=dict(report.reasons.most_common(20)),
                   errors=[f.error.replace(f.path, "records") for f in report.failed if f.error])
