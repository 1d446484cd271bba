"""Disputes: a person contests a lake record of theirs; an operator upholds or rejects it.

While open or upheld, the record is left out of scoring (``credo.store.excluded_records``).
Resolution triggers a rescore of the person through the injected ``rescorer``; its
outcome, or a "rescore pending" entry when none can be computed yet, goes into the
person's score history. Every dispute shows its 30-day deadline.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credo.data.lake import Lake
from credo.data.schemas import KINDS
from credo.errors import CredoError
from credo.service.context import Rescorer
from credo.service.errors import ConflictError, InvalidRequestError, NotFoundError
from credo.service.ids import check_id
from credo.service.rows import decide_open, owned, with_status
from credo.store import audit, notify
from credo.store.exclusions import EXCLUDING, RecordKey
from credo.store.models import Dispute, ScoreRecord, now
from credo.store.publish import rescored_record

DEADLINE_DAYS = 30
STATUSES = ("open", "upheld", "rejected")
ACTIONS = {"upheld": "dispute.uphold", "rejected": "dispute.reject"}  # audit log actions
OUTCOME_WORDS = {"upheld": "the record is wrong and stays out of your score",
                 "rejected": "the record stands and counts in your score again"}
MAX_REASON = 2000


def clean_reason(text: str, field: str = "reason", ask: str = "what is wrong") -> str:
    """The text trimmed, 1-2000 characters, without invisible or control characters."""
    text = unicodedata.normalize("NFC", text).strip()
    if not 1 <= len(text) <= MAX_REASON:
        raise InvalidRequestError(f"{field}: say in 1-{MAX_REASON} characters {ask}")
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn")
           and c not in "\n\t"]
    if bad:
        raise InvalidRequestError(
            f"{field}: remove the invisible or control characters ({''.join(bad[:5])!a})"
        )
    return text


def record_owner(lake: Lake, kind: str, source_id: str, record_id: str) -> str | None:
    """The person the latest version of a lake record is about (None: no such record)."""
    if not lake.files(kind):
        return None
    con = lake.connect()
    try:
        t = lake.table(kind, con=con)
        rows = (t.filter((t.source_id == source_id) & (t.record_id == record_id))
                .select("person_id").limit(1).to_pyarrow().to_pylist())
    finally:
        con.disconnect()
    return rows[0]["person_id"] if rows else None


def file_dispute(session: Session, lake: Lake, person_id: str, *, kind: str, source_id: str,
                 record_id: str, reason: str) -> Dispute:
    if kind not in KINDS:
        raise InvalidRequestError(f"kind: choose one of {', '.join(KINDS)}")
    check_id(source_id, "source_id")
    check_id(record_id, "record_id")
    reason = clean_reason(reason)
    if record_owner(lake, kind, source_id, record_id) != person_id:
        # Another person's record reads exactly like a missing one: nothing leaks.
        raise NotFoundError(f"you have no {kind} record {record_id!r} from source "
                            f"{source_id!r}; find the exact ids in your export "
                            "(GET /v1/me/export)")
    existing = _open_dispute(session, person_id, kind, source_id, record_id)
    if existing is not None:
        raise _already_disputed(existing)
    at = now()
    d = Dispute(id=str(uuid.uuid4()), person_id=person_id, kind=kind, source_id=source_id,
                record_id=record_id, reason=reason, status="open", filed_at=at,
                due_at=at + timedelta(days=DEADLINE_DAYS))
    try:
        session.add(d)
        session.flush()
        audit.record(session, actor_role="person", actor_id=person_id, action="dispute.file",
                     person_id=person_id, dispute_id=d.id, kind=kind, source_id=source_id,
                     record_id=record_id)
        session.commit()
    except IntegrityError:
        # Filed in parallel: the unique index over open disputes lets one insert through.
        session.rollback()
        existing = _open_dispute(session, person_id, kind, source_id, record_id)
        if existing is None:
            raise
        raise _already_disputed(existing) from None
    return d


def _open_dispute(session: Session, person_id: str, kind: str, source_id: str,
                  record_id: str) -> Dispute | None:
    return session.scalars(select(Dispute).where(
        Dispute.person_id == person_id, Dispute.kind == kind, Dispute.source_id == source_id,
        Dispute.record_id == record_id, Dispute.status == "open")).first()


def _already_disputed(existing: Dispute) -> ConflictError:
    return ConflictError(f"this record is already under dispute {existing.id}; it is "
                         f"answered by {existing.due_at.date().isoformat()}")


def list_for_person(session: Session, person_id: str) -> list[Dispute]:
    return list(session.scalars(select(Dispute).where(Dispute.person_id == person_id)
                                .order_by(Dispute.filed_at.desc())))


def excluded_for_person(session: Session, person_id: str) -> dict[RecordKey, str]:
    """The person's records a dispute keeps out of scoring, with that dispute's status."""
    return {(d.kind, d.source_id, d.record_id): d.status
            for d in list_for_person(session, person_id) if d.status in EXCLUDING}


def get_for_person(session: Session, person_id: str, dispute_id: str) -> Dispute:
    return owned(session, Dispute, dispute_id, Dispute.person_id, person_id,
                 f"you have no dispute {dispute_id!r}; list yours with GET /v1/me/disputes")


def list_all(session: Session, status: str | None = None) -> list[Dispute]:
    stmt = with_status(select(Dispute).order_by(Dispute.due_at), Dispute.status, status,
                       STATUSES)
    return list(session.scalars(stmt))


def list_all_audited(session: Session, status: str | None = None, *, actor: str,
                     where: str = "api") -> list[Dispute]:
    """``list_all`` for an operator: the read of other people's disputes is audited
    (who read, which status, how many rows, whose), and committed with the read."""
    disputes = list_all(session, status)
    audit_read(session, disputes, status or "all", actor=actor, where=where)
    return disputes


def audit_read(session: Session, disputes: list[Dispute], status: str, *, actor: str,
               where: str) -> None:
    """Audit an operator's read of other people's disputes (who read, which status, how
    many rows, whose) and commit it."""
    audit.record(session, actor_role="operator", actor_id=actor, action="disputes.read",
                 status=status, via=where, rows=len(disputes),
                 people=sorted({d.person_id for d in disputes})[:1000])
    session.commit()


def recent_decisions(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """The latest decided disputes, newest first, each with the person's score before
    the decision and the entry its rescore wrote (None while none is written)."""
    decided = list(session.scalars(select(Dispute).where(Dispute.status != "open")
                                   .order_by(Dispute.resolved_at.desc()).limit(limit)))
    # The score histories of everyone concerned, in one query, oldest entry first.
    histories: dict[str, list[ScoreRecord]] = {}
    if decided:
        for entry in session.scalars(select(ScoreRecord).order_by(ScoreRecord.id).where(
                ScoreRecord.person_id.in_({d.person_id for d in decided}))):
            histories.setdefault(entry.person_id, []).append(entry)
    changes = []
    for d in decided:
        history = histories.get(d.person_id, [])
        run_id = rescore_run_id(d.id)
        at = next((i for i, e in enumerate(history) if e.run_id == run_id), None)
        after = None if at is None else history[at]
        before = None if at is None else next(
            (e for e in reversed(history[:at]) if e.score is not None), None)
        changes.append({"dispute": d, "before": before.score if before else None,
                        "after": after.score if after else None,
                        "after_status": after.status if after else None})
    return changes


def rescore_run_id(dispute_id: str) -> str:
    """The run id of the score-history entry a dispute's resolution writes."""
    return f"rescore-{dispute_id}"


def _history_entry(person_id: str, dispute_id: str, outcome: str,
                   result: dict[str, Any] | None, error: str | None) -> ScoreRecord:
    run_id = rescore_run_id(dispute_id)
    if result is None or result.get("score") is None:
        why = error or "no rescorer is available yet; the score is recomputed at the next run"
        return ScoreRecord(person_id=person_id, as_of=date.today(), status="rescore_pending",
                           run_id=run_id, reason_codes=[], reasons=[],
                           note=f"dispute {dispute_id} {outcome}: rescore pending ({why})")
    return rescored_record({**result, "as_of": result.get("as_of") or date.today()},
                           person_id=person_id, run_id=run_id,
                           note=f"rescored after dispute {dispute_id} was {outcome}")


_HISTORY_FIELDS = tuple(c.key for c in ScoreRecord.__table__.columns
                        if c.key not in ("id", "person_id", "run_id"))


def resolve(session: Session, dispute_id: str, outcome: str, *, note: str, actor: str,
            rescorer: Rescorer | None) -> tuple[Dispute, ScoreRecord]:
    """Uphold or reject an open dispute, then rescore the person (or mark it pending).

    The decision is one conditional transition (only from open) committed in one
    transaction with its audit row and the person's "rescore pending" history entry, so
    of two operators deciding at once exactly one wins and the other gets a conflict.
    The rescore runs after that commit (it reads the decided state) and turns the
    pending entry into the new score in a second transaction, with its own audit row; if
    it cannot, the entry stays pending and says why.
    """
    if outcome not in ("upheld", "rejected"):
        raise InvalidRequestError("outcome: upheld or rejected")
    note = clean_reason(note, "note", "the reason for the decision; the person reads it")
    at = now()
    person_id = decide_open(session, Dispute, dispute_id,
                            {"status": outcome, "resolved_at": at, "resolved_by": actor,
                             "resolution_note": note},
                            name="dispute", list_hint="`credo dispute list`")
    audit.record(session, actor_role="operator", actor_id=actor, action=ACTIONS[outcome],
                 person_id=person_id, dispute_id=dispute_id, note=note)
    words = OUTCOME_WORDS[outcome]
    notify.notify(session, person_id, "dispute", f"Your dispute is decided: {words}",
                  f"The operator decided your dispute ({dispute_id}): {words}. Their "
                  f"reason: {note} Your score is recomputed; your score page shows it.")
    why = ("the new score is being computed" if rescorer is not None else None)
    session.add(_history_entry(person_id, dispute_id, outcome, None, why))
    if rescorer is None:
        audit.record(session, actor_role="operator", actor_id=actor, action="score.rescore",
                     outcome="rescore_pending", person_id=person_id, dispute_id=dispute_id)
    session.commit()  # the decision stands even if the rescore fails
    if rescorer is not None:
        result, error = None, None
        try:
            result = rescorer(person_id)
        except Exception as exc:  # the decision stands; the history says the rescore failed
            logging.getLogger("credo.service").exception("rescore of a person failed")
            error = f"rescore failed ({type(exc).__name__}); it is retried at the next run"
            if isinstance(exc, CredoError):
                error = f"rescore failed: {exc}"
        entry = _history_entry(person_id, dispute_id, outcome, result, error)
        values = {k: getattr(entry, k) for k in _HISTORY_FIELDS}
        values["recorded_at"] = now()
        done = session.execute(
            update(ScoreRecord).where(ScoreRecord.person_id == person_id,
                                      ScoreRecord.run_id == rescore_run_id(dispute_id),
                                      ScoreRecord.status == "rescore_pending")
            .values(**values).execution_options(synchronize_session=False))
        if done.rowcount == 1:  # type: ignore[attr-defined]
            audit.record(session, actor_role="operator", actor_id=actor, action="score.rescore",
                         outcome=entry.status, person_id=person_id, dispute_id=dispute_id)
            notify.band_changes(session, rescore_run_id(dispute_id),
                                f"after your dispute was {outcome}")
        session.commit()
    d = session.get(Dispute, dispute_id, populate_existing=True)
    stored = session.scalars(select(ScoreRecord).where(
        ScoreRecord.person_id == person_id, ScoreRecord.run_id == rescore_run_id(dispute_id))
        .execution_options(populate_existing=True)).one()
    assert d is not None
    return d, stored
