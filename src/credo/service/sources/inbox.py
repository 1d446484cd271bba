"""The inbox worker: pushed batches into the lake, then their people rescored.

Runs in its own process (``credo worker``; ``credo serve`` starts one), so the lake's
write lock, Parquet encoding and feature computation never share the interpreter that
answers partners. Each batch is claimed by one conditional transition (``pending`` ->
``ingesting``), ingested through ``ingest_path`` (the code behind ``credo ingest``),
and marked ``done`` with its report and audit row; the people whose records were
accepted are then rescored through ``credo.pipeline.rescore`` (the monthly run's feature
and scoring code) as of the day after the batch's last report, and the new scores enter
their history as on-demand rescores. A worker that dies mid-batch leaves a claim that
another takes over after ``STALE_CLAIM``: ingestion is idempotent, so nothing is lost
and nothing counted twice.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from credo.data.ingest import IngestReport, ingest_path
from credo.data.lake import LakeBusyError
from credo.errors import CredoError
from credo.service.context import ServiceContext
from credo.store import audit
from credo.store.models import Push, ScoreRecord, now
from credo.store.publish import rescored_record

log = logging.getLogger("credo.service.inbox")

STALE_CLAIM = timedelta(minutes=10)
LAKE_WAIT_SECONDS = 30.0  # then the batch goes back to the queue and is tried again
MAX_ATTEMPTS = 5
BATCHES_PER_PASS = 200  # rescored together: one read of the lake for all their people

# rescore_people(person_ids, as_of) -> {person_id: snapshot row}
PeopleRescorer = Callable[[list[str], date], dict[str, dict[str, Any]]]


@dataclass
class BatchOutcome:
    push_id: str
    state: str  # done | failed | pending (lake busy: tried again later)
    rescored: int = 0


def claim(session: Session) -> Push | None:
    """The oldest waiting batch, claimed for this worker; None when there is none."""
    stale = now() - STALE_CLAIM
    waiting = session.execute(
        select(Push.id, Push.state, Push.claimed_at)
        .where(or_(Push.state == "pending",
                   and_(Push.state == "ingesting", Push.claimed_at < stale)))
        .order_by(Push.received_at).limit(8)).all()
    for push_id, state, claimed_at in waiting:
        same_claim = (Push.claimed_at.is_(None) if claimed_at is None
                      else Push.claimed_at == claimed_at)
        won = session.execute(
            update(Push).where(Push.id == push_id, Push.state == state, same_claim)
            .values(state="ingesting", claimed_at=now(), attempts=Push.attempts + 1)
            .execution_options(synchronize_session=False))
        session.commit()
        if won.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(Push, push_id, populate_existing=True)
    return None


def _finish(session: Session, push: Push, state: str, report: dict[str, Any]) -> None:
    """Close this worker's claim (only if it still holds it) with its audit row."""
    closed = session.execute(
        update(Push).where(Push.id == push.id, Push.state == "ingesting",
                           Push.claimed_at == push.claimed_at)
        .values(state=state, finished_at=now(), report=report,
                records=[] if state == "done" else Push.records)
        .execution_options(synchronize_session=False))
    if closed.rowcount == 1:  # type: ignore[attr-defined]
        audit.record(session, actor_role="source", actor_id=push.source_id,
                     action="records.ingest", outcome="ok" if state == "done" else state,
                     push_id=push.id, kind=push.kind,
                     **{k: v for k, v in report.items() if isinstance(v, int)})
    session.commit()


def _release(session: Session, push: Push) -> None:
    session.execute(
        update(Push).where(Push.id == push.id, Push.state == "ingesting",
                           Push.claimed_at == push.claimed_at)
        .values(state="pending").execution_options(synchronize_session=False))
    session.commit()


def report_of(report: IngestReport) -> dict[str, Any]:
    errors = [f.error.replace(f.path, "records") for f in report.failed if f.error]
    return {"accepted": report.accepted, "duplicate": report.duplicate,
            "superseded": report.superseded, "quarantined": report.quarantined,
            "reasons": dict(report.reasons.most_common(20)), "errors": errors}


def ingest(ctx: ServiceContext, push: Push, lake_wait: float) -> IngestReport:
    """The batch through the file path's ingest, as one JSON Lines file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"push-{push.id}.jsonl"
        with path.open("w") as fh:
            for r in push.records:
                fh.write(json.dumps(r, ensure_ascii=True, allow_nan=False) + "\n")
        return ingest_path(path, source=push.source_id, kind=push.kind, lake=ctx.lake,
                           lake_wait=lake_wait, currency=ctx.settings.currency)


def rescore_as_of(records: list[dict[str, Any]], latest_run: date,
                  today: date | None = None) -> date:
    """The day after the batch's last report (what it is known from), never before the
    latest run nor after today: the monthly run as of that day gives the same scores."""
    today = today or datetime.now(UTC).date()
    reported = []
    for r in records:
        try:
            at = datetime.fromisoformat(str(r.get("reported_at")))
        except ValueError:
            continue  # quarantined: it is not in the lake
        reported.append((at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date())
    known_from = max(reported, default=latest_run) + timedelta(days=1)
    return min(max(known_from, latest_run), today)


def people_to_rescore(records: list[dict[str, Any]], report: IngestReport,
                      retried: bool = False) -> list[str]:
    if report.accepted + report.superseded == 0 and not retried:
        return []  # nothing new in the lake: the scores stand
    # (A retried batch may have reached the lake before its worker died: rescore anyway.)
    return sorted({p for r in records if isinstance(p := r.get("person_id"), str) and p})


def _record_rescores(session: Session, push: Push,
                     scores: dict[str, dict[str, Any]]) -> int:
    run_id = f"push-{push.id}"
    done = set(session.scalars(select(ScoreRecord.person_id).where(
        ScoreRecord.run_id == run_id)))
    added = 0
    for person_id, row in scores.items():
        if person_id in done:
            continue  # a retried batch: its rescore is already in the history
        session.add(rescored_record(
            row, person_id=person_id, run_id=run_id,
            note=f"rescored after {push.record_count:,} {push.kind} records pushed by "
                 f"{push.source_id}"))
        audit.record(session, actor_role="source", actor_id=push.source_id,
                     action="score.rescore", outcome="rescored", person_id=person_id,
                     push_id=push.id)
        added += 1
    session.commit()
    return added


@dataclass
class _Ingested:
    push: Push
    outcome: BatchOutcome
    people: list[str] = field(default_factory=list)  # whom to rescore
    records: list[dict[str, Any]] = field(default_factory=list)  # what was ingested


def _ingest_one(ctx: ServiceContext, push: Push, lake_wait: float) -> _Ingested:
    """Into the lake, outcome recorded; says whom to rescore."""
    records = list(push.records)
    with ctx.session() as session:
        try:
            report = ingest(ctx, push, lake_wait)
        except LakeBusyError:
            if push.attempts >= MAX_ATTEMPTS:
                _finish(session, push, "failed", {"error": "the lake stayed busy; send again"})
                return _Ingested(push, BatchOutcome(push.id, "failed"))
            _release(session, push)
            return _Ingested(push, BatchOutcome(push.id, "pending"))
        except CredoError as exc:
            _finish(session, push, "failed", {"error": str(exc)})
            return _Ingested(push, BatchOutcome(push.id, "failed"))
        _finish(session, push, "done", report_of(report))
    people = people_to_rescore(records, report, retried=push.attempts > 1)
    return _Ingested(push, BatchOutcome(push.id, "done"), people, records)


def _rescore(ctx: ServiceContext, done: list[_Ingested], rescorer: PeopleRescorer) -> None:
    """One rescore per as-of date for all the people of this pass's batches: the lake is
    read once, however many batches arrived together."""
    from credo.pipeline.rescore import latest_run_date

    batches = [d for d in done if d.people]
    if not batches:
        return
    # Before the first run there is nothing to rescore with; a rescorer then finds none.
    latest_run = latest_run_date(ctx.settings) or datetime.now(UTC).date()
    as_of = {d.push.id: rescore_as_of(d.records, latest_run) for d in batches}
    for day in sorted(set(as_of.values())):
        same_day = [d for d in batches if as_of[d.push.id] == day]
        people = sorted({p for d in same_day for p in d.people})
        try:
            scores = rescorer(people, day)
        except Exception:  # the records are in the lake; the next run scores them
            log.exception("rescore of %d people after a push failed", len(people))
            continue
        with ctx.session() as session:
            for d in same_day:
                d.outcome.rescored = _record_rescores(
                    session, d.push, {p: scores[p] for p in d.people if p in scores})


def pipeline_rescorer(ctx: ServiceContext) -> PeopleRescorer:
    """The monthly run's rescore of a set of people (no scores before the first run)."""
    from credo.pipeline.rescore import rescore_people

    return lambda people, as_of: rescore_people(people, ctx.settings, as_of=as_of)


def drain(ctx: ServiceContext, rescorer: PeopleRescorer | None = None,
          limit: int | None = None, lake_wait: float = LAKE_WAIT_SECONDS,
          should_stop: Callable[[], bool] = lambda: False) -> list[BatchOutcome]:
    """Ingest the waiting batches (at most ``limit``), then rescore their people together;
    returns what happened to each batch, in order.

    A batch put back because the lake was busy ends the pass: the next pass tries it
    again, so a busy lake never spins the worker.
    """
    done: list[_Ingested] = []
    while (limit is None or len(done) < limit) and not should_stop():
        with ctx.session() as session:
            push = claim(session)
        if push is None:
            break
        done.append(_ingest_one(ctx, push, lake_wait))
        if done[-1].outcome.state == "pending":
            break
    if rescorer is not None:
        _rescore(ctx, done, rescorer)
    return [d.outcome for d in done]


def run(ctx: ServiceContext, poll_seconds: float = 1.0,
        should_stop: Callable[[], bool] = lambda: False) -> None:
    """Serve the inbox until ``should_stop``: drain, then wait ``poll_seconds``."""
    rescorer = pipeline_rescorer(ctx)
    while not should_stop():
        try:
            outcomes = drain(ctx, rescorer, limit=BATCHES_PER_PASS, should_stop=should_stop)
        except Exception:  # a database hiccup must not end the worker
            log.exception("inbox pass failed; trying again")
            outcomes = []
        for o in outcomes:
            log.info("push %s: %s, %d rescored", o.push_id, o.state, o.rescored)
        if not outcomes or outcomes[-1].state == "pending":
            waited = 0.0
            while waited < poll_seconds and not should_stop():  # a stop is heard at once
                time.sleep(min(0.1, poll_seconds))
                waited += 0.1
