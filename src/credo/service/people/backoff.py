"""Exponential backoff on failed logins, per person id and per client address.

Counts live in the database (``login_failures``), so every worker process and every
restart sees them. Each key may fail ``free`` times; from then on each failure blocks
further attempts for 1 s, 2 s, 4 s, ... up to ``MAX_WAIT``. While blocked, an attempt
is refused with 429 and Retry-After before the password is even checked. A success
clears the person's count, never the address's (one valid account must not buy
guesses at others); a count nobody added to for ``FORGET_AFTER`` starts afresh.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from credo.service.security import hash_secret
from credo.store.models import LoginFailure

PERSON_FREE = 5  # a person mistyping
CLIENT_FREE = 20  # an address may be shared by many people (NAT, offices)
MAX_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)


def keys(pepper: bytes, person_id: str, client: str) -> dict[str, tuple[str, int]]:
    """scope -> (stored key, free failures)."""
    return {"person": (hash_secret("login|person|" + person_id, pepper), PERSON_FREE),
            "client": (hash_secret("login|client|" + client, pepper), CLIENT_FREE)}


def wait(session: Session, pepper: bytes, person_id: str, client: str, at: datetime
         ) -> int:
    """Seconds until a login may be tried (0: now)."""
    digests = [k for k, _ in keys(pepper, person_id, client).values()]
    until = session.scalars(select(LoginFailure.blocked_until).where(
        LoginFailure.key.in_(digests), LoginFailure.blocked_until > at,
        LoginFailure.last_failed_at > at - FORGET_AFTER)).all()
    return max((math.ceil((u - at).total_seconds()) for u in until if u), default=0)


def _upsert(session: Session, key: str, scope: str, at: datetime) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(LoginFailure).values(key=key, scope=scope, failures=1, last_failed_at=at,
                                       blocked_until=None)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
        "failures": case((LoginFailure.last_failed_at < at - FORGET_AFTER, 1),
                         else_=LoginFailure.failures + 1),
        "last_failed_at": at,
    }).returning(LoginFailure.failures)
    return int(session.execute(stmt).scalar_one())


def failed(session: Session, pepper: bytes, person_id: str, client: str, at: datetime
           ) -> dict[str, int]:
    """Count a failure for the person id and the address; block them when due. Returns
    each scope's failures so far."""
    session.execute(delete(LoginFailure).where(
        LoginFailure.last_failed_at < at - FORGET_AFTER))
    counts = {}
    for scope, (key, free) in keys(pepper, person_id, client).items():
        n = counts[scope] = _upsert(session, key, scope, at)
        if n >= free:
            pause = min(MAX_WAIT, timedelta(seconds=2 ** min(n - free, 20)))
            session.execute(update(LoginFailure).where(LoginFailure.key == key)
                            .values(blocked_until=at + pause))
    return counts


def succeeded(session: Session, pepper: bytes, person_id: str) -> None:
    key, _ = keys(pepper, person_id, "")["person"]
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))
