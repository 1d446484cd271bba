"""Reading the audit log: the person's view of who looked at their score, and the
operator's filtered view of everything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from credo.service.errors import InvalidRequestError
from credo.service.ids import ID_REGEX
from credo.service.keys import Principal
from credo.store import audit
from credo.store.models import AuditEvent

PARTNER_ACTIONS = ("score.read", "score.threshold")
# The person's own changes to who may read their file, shown beside the reads.
FILE_ACTIONS = ("file.freeze", "file.unfreeze", "fraud_alert.place", "fraud_alert.lift")


def access_log(session: Session, person_id: str, limit: int = 200) -> list[AuditEvent]:
    """Partners' reads and refused reads of the person's file, with the person's own
    freezes and fraud alerts, newest first."""
    stmt = (select(AuditEvent)
            .where(AuditEvent.person_id == person_id,
                   or_(and_(AuditEvent.actor_role == "partner",
                            AuditEvent.action.in_(PARTNER_ACTIONS)),
                       and_(AuditEvent.actor_role == "person",
                            AuditEvent.action.in_(FILE_ACTIONS))))
            .order_by(AuditEvent.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def answer_given(event: AuditEvent) -> tuple[str | None, list[str]]:
    """A threshold check's answer as the partner received it, and the reasons for a "no"
    in words (the same reason codes the partner received)."""
    detail = event.detail or {}
    reasons = [str(r.get("description", r.get("code", ""))) for r in detail.get("reasons", [])
               if isinstance(r, dict)]
    result = detail.get("result")
    return (None if result is None else str(result)), reasons


def thresholds_not_reached(session: Session, person_id: str, limit: int = 20
                           ) -> list[tuple[str, str, int]]:
    """(partner, purpose, threshold) of the recent threshold checks about the person
    answered "no", newest first, each once: the scores partners asked for."""
    stmt = (select(AuditEvent)
            .where(AuditEvent.person_id == person_id, AuditEvent.actor_role == "partner",
                   AuditEvent.action == "score.threshold", AuditEvent.outcome == "granted")
            .order_by(AuditEvent.id.desc()).limit(200))
    found: dict[tuple[str, str, int], None] = {}
    for e in session.scalars(stmt):
        result, _ = answer_given(e)
        threshold = (e.detail or {}).get("threshold")
        if result == "no" and isinstance(threshold, int):
            found.setdefault((e.partner_id or "", e.purpose or "", threshold), None)
    return list(found)[:limit]


def events(session: Session, *, person_id: str | None = None, limit: int = 200
           ) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if person_id is not None:
        stmt = stmt.where(AuditEvent.person_id == person_id)
    return list(session.scalars(stmt))


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


# -- the operator's audit-log viewer ---------------------------------------------------
PAGE_SIZE = 50
MAX_PAGE = 10_000
_ACTION = re.compile(r"^[a-z_.]{1,40}$")


@dataclass(frozen=True)
class AuditQuery:
    """The viewer's filters, checked: each None is "any"; the date range is inclusive."""

    actor: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1

    def as_params(self) -> dict[str, str]:
        """The filters as the viewer's query string (for its paging links)."""
        values = {"actor": self.actor, "action": self.action, "from": self.since,
                  "to": self.until}
        return {k: str(v) for k, v in values.items() if v is not None}


def _day(name: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(f"{name}: a date as YYYY-MM-DD, such as 2026-01-31 "
                                  f"(got {text[:20]!r})") from None


def audit_query(actor: str = "", action: str = "", since: str = "", until: str = "",
                page: str = "") -> AuditQuery:
    """Filters as typed into the viewer's form, checked; a bad one raises an
    InvalidRequestError that names the field and the form it takes."""
    actor, action = actor.strip(), action.strip()
    if actor and not re.fullmatch(ID_REGEX, actor):
        raise InvalidRequestError("actor: an operator, partner, person or source id "
                                  "(letters, digits and . _ : @ -, at most 128)")
    if action and not _ACTION.fullmatch(action):
        raise InvalidRequestError("action: one of the actions listed, such as score.read")
    first, last = _day("from", since.strip()), _day("to", until.strip())
    if first and last and first > last:
        raise InvalidRequestError(f"from ({first}) is after to ({last}): swap them")
    number = page.strip() or "1"
    if not (number.isascii() and number.isdigit() and len(number) <= 6
            and 1 <= int(number) <= MAX_PAGE):
        raise InvalidRequestError(f"page: a whole number from 1 to {MAX_PAGE:,}")
    return AuditQuery(actor or None, action or None, first, last, int(number))


def search(session: Session, query: AuditQuery, reader: Principal,
           page_size: int = PAGE_SIZE) -> tuple[list[AuditEvent], bool]:
    """One page of events matching ``query``, newest first, and whether older ones
    follow; the read is itself audited, with its filters."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if query.actor:
        stmt = stmt.where(AuditEvent.actor_id == query.actor)
    if query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    if query.since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(query.since, time(), UTC))
    if query.until:
        end = datetime.combine(query.until + timedelta(days=1), time(), UTC)
        stmt = stmt.where(AuditEvent.at < end)
    rows = list(session.scalars(stmt.offset((query.page - 1) * page_size)
                                .limit(page_size + 1)))
    audit.record(session, actor_role="operator", actor_id=reader.id, action="audit.read",
                 rows=len(rows[:page_size]), where="console", filters=query.as_params(),
                 page=query.page)
    session.commit()
    return rows[:page_size], len(rows) > page_size


def actions(session: Session) -> list[str]:
    """Every action the log holds, for the viewer's choice list."""
    return sorted(session.scalars(select(AuditEvent.action).distinct()))
