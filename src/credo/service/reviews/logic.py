"""Human review: a person asks a human to review their score, with their own statement
(GDPR Art. 22(3), and the CJEU's SCHUFA judgment, C-634/21: the right to human
intervention, to state one's point of view and to contest the result).

Separate from disputes, which contest a record: a review contests the score itself. The
request keeps the score under review and the record of its points per feature, so the
operator deciding it has them at hand, however the file changes meanwhile. An operator
answers within one calendar month, with written reasons the person reads:

- ``confirmed``: the score stands;
- ``withdrawn``: the score does not fairly reflect the person; it is withdrawn at once
  (partners receive no score and no yes / no answer) until the next monthly run computes
  a new one.

Each decision is one conditional transition (only from open) committed in one
transaction with its audit row and the person's notification: of two operators deciding
at once, exactly one wins and the other gets a conflict.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credo.service.context import PointsOf
from credo.service.disputes.logic import clean_reason
from credo.service.errors import ConflictError, InvalidRequestError, NotFoundError
from credo.service.rows import decide_open, owned, with_status
from credo.service.scores import logic as scores
from credo.store import audit, notify
from credo.store.models import Review, ScoreRecord, now

STATUSES = ("open", "confirmed", "withdrawn")
OUTCOMES = {"confirmed": "review.confirm", "withdrawn": "review.withdraw"}  # audit actions
OUTCOME_WORDS = {"confirmed": "your score stands",
                 "withdrawn": "your score is withdrawn until the next monthly run computes "
                              "a new one; partners receive no score meanwhile"}


def one_month_after(at: datetime) -> datetime:
    """The same day of the next month (its last day when shorter): the deadline."""
    year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
    return at.replace(year=year, month=month,
                      day=min(at.day, calendar.monthrange(year, month)[1]))


def review_run_id(review_id: str) -> str:
    """The run id of the score-history entry a withdrawal writes."""
    return f"review-{review_id}"


def request_review(session: Session, person_id: str, statement: str,
                   points_of: PointsOf | None = None) -> Review:
    """Ask for a human review of the current score, with the person's statement."""
    statement = clean_reason(statement, "statement",
                             "why your score does not reflect you; the reviewer reads it")
    entry = scores.current(session, person_id)
    if entry is None:
        raise NotFoundError("you have no current score to review (none published yet, or it "
                            "is being recomputed); ask again once your score page shows one")
    existing = _open_review(session, person_id)
    if existing is not None:
        raise _already_open(existing)
    points = None
    if points_of is not None:
        try:
            points = points_of(person_id)
        except Exception:  # the request stands without them; the reasons are kept anyway
            logging.getLogger("credo.service").exception("points per feature failed")
    at = now()
    review = Review(id=str(uuid.uuid4()), person_id=person_id, statement=statement,
                    status="open", score_entry_id=entry.id, score=entry.score,
                    band=entry.band, as_of=entry.as_of, reasons=list(entry.reasons or []),
                    points=points, filed_at=at, due_at=one_month_after(at))
    try:
        session.add(review)
        session.flush()
        audit.record(session, actor_role="person", actor_id=person_id,
                     action="review.request", person_id=person_id, review_id=review.id,
                     score=entry.score)
        notify.notify(session, person_id, "review", "Your request for a human review was "
                      "received",
                      f"A person at credo reviews your score of {entry.score} with your "
                      f"statement and answers by {review.due_at.date().isoformat()}.")
        session.commit()
    except IntegrityError:  # asked in parallel: the unique index lets one open review in
        session.rollback()
        existing = _open_review(session, person_id)
        if existing is None:
            raise
        raise _already_open(existing) from None
    return review


def _open_review(session: Session, person_id: str) -> Review | None:
    return session.scalars(select(Review).where(Review.person_id == person_id,
                                                Review.status == "open")).first()


def _already_open(existing: Review) -> ConflictError:
    return ConflictError(f"you already asked for a review ({existing.id}); it is answered "
                         f"by {existing.due_at.date().isoformat()}")


def list_for_person(session: Session, person_id: str) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.person_id == person_id)
                                .order_by(Review.filed_at.desc())))


def get_for_person(session: Session, person_id: str, review_id: str) -> Review:
    return owned(session, Review, review_id, Review.person_id, person_id,
                 f"you have no review {review_id!r}; list yours with GET /v1/me/reviews")


def list_all(session: Session, status: str | None = None) -> list[Review]:
    stmt = with_status(select(Review).order_by(Review.due_at), Review.status, status, STATUSES)
    return list(session.scalars(stmt))


def list_all_audited(session: Session, status: str | None = None, *, actor: str,
                     where: str = "api") -> list[Review]:
    """``list_all`` for an operator: the read of people's statements and points is
    audited (who read, which status, how many rows, whose) and committed with the read."""
    reviews = list_all(session, status)
    audit.record(session, actor_role="operator", actor_id=actor, action="reviews.read",
                 status=status or "all", via=where, rows=len(reviews),
                 people=sorted({r.person_id for r in reviews})[:1000])
    session.commit()
    return reviews


def decide(session: Session, review_id: str, outcome: str, *, reasons: str,
           actor: str) -> Review:
    """Confirm or withdraw the score under an open review, with written reasons."""
    if outcome not in OUTCOMES:
        raise InvalidRequestError(f"outcome: choose one of {', '.join(OUTCOMES)}")
    reasons = clean_reason(reasons, "reasons", "why you decided so; the person reads it")
    at = now()
    person_id = decide_open(session, Review, review_id,
                            {"status": outcome, "decided_at": at, "decided_by": actor,
                             "decision": reasons},
                            name="review", list_hint="GET /v1/operator/reviews?status=open")
    audit.record(session, actor_role="operator", actor_id=actor, action=OUTCOMES[outcome],
                 person_id=person_id, review_id=review_id, reasons=reasons)
    if outcome == "withdrawn":
        session.add(ScoreRecord(
            person_id=person_id, as_of=date.today(), status="rescore_pending",
            run_id=review_run_id(review_id), reason_codes=[], reasons=[],
            note=f"withdrawn after human review {review_id}; a new score is computed at "
                 "the next monthly run"))
    notify.notify(session, person_id, "review", f"Your review is decided: "
                  f"{OUTCOME_WORDS[outcome].split(';')[0]}",
                  f"The reviewer decided that {OUTCOME_WORDS[outcome]}. Their reasons: "
                  f"{reasons}")
    session.commit()
    decided = session.get(Review, review_id, populate_existing=True)
    assert decided is not None
    return decided


