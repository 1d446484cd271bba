"""Authenticated ingestion: a source pushes records of one kind, then follows the batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Response

from credo.service.deps import DB, Source
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, problem_response
from credo.service.sources import logic
from credo.service.sources.schemas import IngestOutcome, PushIn, PushOut

if TYPE_CHECKING:
    from credo.store.models import Push

router = APIRouter(tags=["sources"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


def _out(push: Push) -> PushOut:
    report = push.report or {}
    return PushOut(id=push.id, kind=push.kind, source=push.source_id,
                   records=push.record_count, state=push.state,  # type: ignore[arg-type]
                   received_at=push.received_at, finished_at=push.finished_at,
                   outcome=IngestOutcome(**report) if push.state == "done" else None,
                   error=report.get("error") if push.state == "failed" else None)


@router.post("/v1/sources/records", response_model=PushOut, status_code=202, responses={
    503: problem_response(503, "Too many of this source's batches are waiting: send again "
                               "after Retry-After"),
})
def push(body: PushIn, source: Source, session: DB, response: Response) -> PushOut:
    """Keep the records for the lake and answer at once (202). They are then validated
    and appended exactly as `credo ingest` does (invalid ones quarantined with reasons,
    re-sent ones not counted twice) and the people they concern rescored; follow the
    batch at the Location given."""
    accepted = logic.accept_push(session, source.id, body.kind, body.records)
    response.headers["Location"] = f"/v1/sources/pushes/{accepted.id}"
    return _out(accepted)


@router.get("/v1/sources/pushes/{push_id}", response_model=PushOut, responses={
    404: problem_response(404, "No such batch of this source"),
})
def push_status(push_id: str, source: Source, session: DB) -> PushOut:
    """Where a pushed batch is: waiting, being ingested, done (with what the lake made of
    it) or failed (with why)."""
    return _out(logic.push_of(session, source.id, push_id[:64]))
