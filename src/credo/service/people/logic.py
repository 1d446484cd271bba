"""People: enrolment by an operator, activation and login, and their rights.

An operator enrols a person after checking who they are and hands them a one-time
activation code; the person sets a password with it (stored as argon2id) and logs in
for a bearer token (random, stored hashed, expiring). A person only ever reaches their
own data: every query below is keyed by the authenticated person's id.
"""

from __future__ import annotations

import functools
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from credo.data.lake import Lake
from credo.data.schemas import KINDS
from credo.service.errors import InvalidRequestError, NotAuthenticatedError, RateLimitedError
from credo.service.ids import check_id
from credo.service.keys import Principal
from credo.service.people import backoff
from credo.service.security import hash_password, hash_secret, new_secret, same, verify_password
from credo.store import audit
from credo.store.models import (
    AuditEvent,
    Authorization,
    Dispute,
    Notification,
    Person,
    PersonControls,
    PersonToken,
    Review,
    ScoreRecord,
    now,
)

ACTIVATION_DAYS = 7
MIN_PASSWORD = 12
MIN_STRENGTH = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8+ guesses)
BAD_LOGIN = "wrong person id or password; check both, or ask the operator for a new " \
            "activation code"


def enroll(session: Session, pepper: bytes, person_id: str, actor: str = "operator") -> str:
    """Create (or re-issue) a person's account; return a one-time activation code."""
    check_id(person_id, "person id")
    code = secrets.token_urlsafe(18)
    person = session.get(Person, person_id) or Person(id=person_id)
    person.activation_hash = hash_secret(code, pepper)
    person.activation_expires_at = now() + timedelta(days=ACTIVATION_DAYS)
    session.add(person)
    audit.record(session, actor_role="operator", actor_id=actor, action="person.enroll",
                 person_id=person_id)
    session.commit()
    return code


def check_password(password: str, person_id: str = "") -> None:
    """Refuse short, common, repetitive or guessable passwords: zxcvbn's estimate (its
    lists of common passwords, words and names, and its keyboard, sequence, repeat and
    date patterns) must reach MIN_STRENGTH. The password itself is never echoed."""
    if len(password) < MIN_PASSWORD:
        raise InvalidRequestError(f"password: use at least {MIN_PASSWORD} characters")
    from zxcvbn import zxcvbn

    # zxcvbn reads at most 72 characters; what follows adds strength it would not count
    estimate = zxcvbn(password[:72], user_inputs=[person_id, "credo"])
    if estimate["score"] < MIN_STRENGTH:
        feedback = estimate.get("feedback") or {}
        why = feedback.get("warning") or "it is too easy to guess"
        tips = " ".join(feedback.get("suggestions") or [])
        raise InvalidRequestError(
            f"password: choose another one: {why.rstrip('.')}. {tips} A few uncommon "
            "words together, or a password manager's, work well.".replace("  ", " "))


def activate(session: Session, pepper: bytes, person_id: str, code: str, password: str) -> None:
    """Set the password with the one-time code. The code is consumed by one conditional
    update (only while it is the person's unused, unexpired code), committed with its
    audit row: of callers racing with one code exactly one sets a password; the others get
    the same answer as for a used code."""
    check_password(password, person_id)
    refused = NotAuthenticatedError("this activation code is not valid for this person (wrong, "
                                    "used or expired); ask the operator for a new one")
    person = session.get(Person, person_id)
    digest = hash_secret(code, pepper)
    if (person is None or person.activation_hash is None
            or not same(person.activation_hash, digest)
            or person.activation_expires_at is None or person.activation_expires_at < now()):
        raise refused
    password_hash = hash_password(password)  # slow on purpose: before the transaction
    consumed = session.execute(
        update(Person).where(Person.id == person_id, Person.activation_hash == digest,
                             Person.activation_expires_at >= now())
        .values(password_hash=password_hash, activation_hash=None, activation_expires_at=None)
        .execution_options(synchronize_session=False))
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise refused
    session.execute(delete(PersonToken).where(PersonToken.person_id == person_id))
    audit.record(session, actor_role="person", actor_id=person_id, action="person.activate",
                 person_id=person_id)
    session.commit()


def login(session: Session, pepper: bytes, person_id: str, password: str, hours: float,
          client: str = "unknown") -> tuple[str, datetime]:
    """A session token for the right password. Failures are counted per person id and
    per client address with an exponential backoff (429 and Retry-After while it runs,
    the password unchecked), and every failed or refused attempt is audited."""
    at = now()
    person = session.get(Person, person_id)
    who = {"actor_role": "person", "actor_id": person_id[:128], "action": "person.login",
           "person_id": person_id if person is not None else None, "client": client[:200]}
    pause = backoff.wait(session, pepper, person_id, client, at)
    if pause:
        audit.record(session, outcome="throttled", retry_after=pause, **who)
        session.commit()
        raise RateLimitedError(f"too many failed logins; wait {pause} s before trying again "
                               "(each further failure doubles the wait)",
                               headers={"Retry-After": str(pause)})
    ok = verify_password(person.password_hash if person else None, password)
    if not ok or person is None:
        counts = backoff.failed(session, pepper, person_id, client, at)
        audit.record(session, outcome="failed", failures=counts["person"], **who)
        session.commit()
        raise NotAuthenticatedError(BAD_LOGIN)
    backoff.succeeded(session, pepper, person_id)
    token = new_secret("credo_pt_")
    expires = at + timedelta(hours=hours)
    session.add(PersonToken(token_hash=hash_secret(token, pepper), person_id=person_id,
                            expires_at=expires))
    audit.record(session, **who)
    session.commit()
    return token, expires


def issue_token(session: Session, pepper: bytes, person_id: str, hours: float = 12.0) -> str:
    """A session token without a password (for the operator's tools and tests)."""
    token = new_secret("credo_pt_")
    session.add(PersonToken(token_hash=hash_secret(token, pepper), person_id=person_id,
                            expires_at=now() + timedelta(hours=hours)))
    session.commit()
    return token


def authenticate_token(session: Session, token: str | None, pepper: bytes) -> Principal:
    if not token:
        raise NotAuthenticatedError("log in first (POST /v1/people/login) and send the token "
                                    "as 'Authorization: Bearer <token>'",
                                    headers={"WWW-Authenticate": "Bearer"})
    digest = hash_secret(token, pepper)
    row = session.execute(select(PersonToken.person_id, PersonToken.token_hash).where(
        PersonToken.token_hash == digest, PersonToken.expires_at > now())).first()
    if row is None or not same(row.token_hash, digest):
        raise NotAuthenticatedError("this session token is not valid (unknown, expired or "
                                    "logged out); log in again",
                                    headers={"WWW-Authenticate": "Bearer"})
    return Principal("person", row.person_id, digest)


def logout(session: Session, principal: Principal) -> None:
    session.execute(delete(PersonToken).where(PersonToken.token_hash == principal.credential))
    session.commit()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(session: Session, model: Any, *where: Any, exclude: tuple[str, ...] = ()
          ) -> list[dict[str, Any]]:
    cols = [c.key for c in model.__table__.columns if c.key not in exclude]
    return [{c: _plain(getattr(r, c)) for c in cols}
            for r in session.scalars(select(model).where(*where))]


def lake_records(lake: Lake, person_id: str, *, history: bool = True,
                 kinds: tuple[str, ...] = KINDS) -> dict[str, list[dict[str, Any]]]:
    """Every lake record about the person, by kind: every version (``history``), or
    only the latest version of each, as scoring reads them."""
    out: dict[str, list[dict[str, Any]]] = {}
    con = lake.connect()
    try:
        for kind in kinds:
            if not lake.files(kind):
                out[kind] = []
                continue
            t = lake.table(kind, history=history, person_id=person_id, con=con)
            rows = t.drop("_hash").to_pyarrow().to_pylist()
            out[kind] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    finally:
        con.disconnect()
    return out


def records_after(lake: Lake, person_id: str, as_of: date) -> dict[str, Any]:
    """How many of the person's records were reported after ``as_of`` (a score's date,
    so they do not count in it yet), and the latest such day.

    The answer changes only when the lake does (a new commit in its log) or the score
    does, so it is read once per lake version, person and score date, not on every view
    of the score page."""
    return dict(_records_after(lake, lake.state().version, person_id, as_of))


@functools.lru_cache(maxsize=4096)
def _records_after(lake: Lake, version: int, person_id: str, as_of: date) -> dict[str, Any]:
    cutoff = as_of.isoformat()
    dates = [str(r.get("reported_at") or "")[:10]
             for rows in lake_records(lake, person_id, history=False).values() for r in rows]
    later = sorted(d for d in dates if d > cutoff)
    return {"count": len(later), "latest": later[-1] if later else None}


def export(session: Session, lake: Lake, person_id: str) -> dict[str, Any]:
    """All data about the person: store records and lake records (GDPR Art. 15 and 20)."""
    data = {
        "person_id": person_id,
        "exported_at": now().isoformat(),
        "account": _rows(session, Person, Person.id == person_id,
                         exclude=("password_hash", "activation_hash")),
        "scores": _rows(session, ScoreRecord, ScoreRecord.person_id == person_id),
        "authorizations": _rows(session, Authorization, Authorization.person_id == person_id),
        "disputes": _rows(session, Dispute, Dispute.person_id == person_id),
        "controls": _rows(session, PersonControls, PersonControls.person_id == person_id),
        "notifications": _rows(session, Notification, Notification.person_id == person_id),
        "reviews": _rows(session, Review, Review.person_id == person_id),
        "audit": _rows(session, AuditEvent, AuditEvent.person_id == person_id),
        "records": lake_records(lake, person_id),
    }
    audit.record(session, actor_role="person", actor_id=person_id, action="person.export",
                 person_id=person_id)
    session.commit()
    return data
