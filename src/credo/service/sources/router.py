"""Authenticated ingestion: a source pushes records of one kind, then follows the batch."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from credo.service.context import ServiceContext
from credo.service.deps import DB, ApiKeyValue, Ctx, Source, active_principal
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, problem_response
from credo.service.sources import logic
from credo.service.sources.schemas import IngestOutcome, PushIn, PushOut

if TYPE_CHECKING:
    from credo.store.models import Push

# Batches of up to this many records share the partner reads' group commit.
SHARED_COMMIT_RECORDS = 100

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
async def push(body: PushIn, ctx: Ctx, response: Response, key: ApiKeyValue = None
               ) -> PushOut:
    """Keep the records for the lake and answer at once (202). They are then validated
    and appended exactly as `credo ingest` does (invalid ones quarantined with reasons,
    re-sent ones not counted twice) and the people they concern rescored; follow the
    batch at the Location given."""
    keep = partial(_keep, ctx, body, key)
    # A small batch (a record or a few, as streaming sources send) is kept with the
    # partner reads waiting beside it, in their transaction and their commit: no
    # session, connection check or disk sync of its own, fewer hand-offs between threads
    # while partners are being answered. A big one is written alone, so that partners'
    # answers never wait for its rows.
    out = await (ctx.in_group_commit(keep) if len(body.records) <= SHARED_COMMIT_RECORDS
                 else ctx.in_own_session(keep))
    response.headers["Location"] = f"/v1/sources/pushes/{out.id}"
    return out


def _keep(ctx: ServiceContext, body: PushIn, key: str | None, session: Session) -> PushOut:
    source = active_principal(ctx, session, "source", key)
    return _out(logic.accept_push(session, source.id, body.kind, body.records))


@router.get("/v1/sources/pushes/{push_id}", response_model=PushOut, responses={
    404: problem_response(404, "No such batch of this source"),
})
def push_status(push_id: str, source: Source, session: DB) -> PushOut:
    """Where a pushed batch is: waiting, being ingested, done (with what the lake made of
    it) or failed (with why)."""
    return _out(logic.push_of(session, source.id, push_id[:64]))
