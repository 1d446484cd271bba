"""Authorizations: a person lets one partner read their score for one purpose, until a
date, and can revoke it at once. The check runs on every partner read."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credo.policy.disclosure import DEFAULT_SCOPE, check_scope
from credo.policy.purposes import PERMITTED, check_purpose
from credo.service.errors import ConflictError, InvalidRequestError, NotFoundError
from credo.store import audit
from credo.store.models import Authorization, Partner, now

MAX_DAYS = 365


def grant(session: Session, person_id: str, partner_id: str, purpose: str, days: int,
          scope: str = DEFAULT_SCOPE) -> Authorization:
    """The authorization granted or extended (see ``grant_or_extend``)."""
    return grant_or_extend(session, person_id, partner_id, purpose, days, scope)[0]


def grant_or_extend(session: Session, person_id: str, partner_id: str, purpose: str,
                    days: int, scope: str = DEFAULT_SCOPE) -> tuple[Authorization, bool]:
    """Let the partner read the person's score for the purpose for ``days`` days.

    A person has at most one live (not revoked) authorization per partner and purpose (a
    partial unique index): granting again extends that one to the later of its expiry
    and the new one (audited as ``authorization.extend``; an expired one becomes active
    again) instead of adding a second; its scope becomes the one asked now. Returns the
    authorization and whether it is new.
    """
    check_purpose(purpose)
    check_scope(scope)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidRequestError(f"valid_days: choose 1-{MAX_DAYS} days")
    partner = session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise NotFoundError(f"no active partner {partner_id!r}; check the id the partner gave "
                            "you (GET /v1/partners lists none: ask the partner)")
    if purpose not in partner.purposes:
        raise InvalidRequestError(
            f"partner {partner_id!r} has not declared the purpose {purpose!r}; it declared "
            f"{', '.join(partner.purposes)}: grant one of those"
        )
    for _ in range(3):  # a grant that loses a race to an insert extends the winner's
        granted = _grant_or_extend(session, person_id, partner_id, purpose, days, scope)
        if granted is not None:
            return granted
    raise ConflictError("this authorization is being changed by another request; list "
                        "yours with GET /v1/me/authorizations and retry")


def _grant_or_extend(session: Session, person_id: str, partner_id: str, purpose: str,
                     days: int, scope: str) -> tuple[Authorization, bool] | None:
    """One transaction: extend the live authorization, or insert it (None: lost a race)."""
    at = now()
    expires = at + timedelta(days=days)
    same_scope = (Authorization.person_id == person_id, Authorization.partner_id == partner_id,
                  Authorization.purpose == purpose, Authorization.revoked_at.is_(None))
    later = Authorization.expires_at < expires
    extended = session.execute(
        update(Authorization)
        .where(*same_scope, or_(later, Authorization.scope != scope))
        .values(expires_at=case((later, expires), else_=Authorization.expires_at),
                scope=scope)
        .returning(Authorization.id, Authorization.expires_at)
        .execution_options(synchronize_session=False)).one_or_none()
    if extended is not None:
        audit.record(session, actor_role="person", actor_id=person_id,
                     action="authorization.extend", person_id=person_id,
                     partner_id=partner_id, purpose=purpose, authorization_id=extended[0],
                     expires_at=extended[1].isoformat(), scope=scope)
        session.commit()
        return _fresh(session, extended[0]), False
    existing = session.scalar(select(Authorization.id).where(*same_scope))
    if existing is not None:  # it already runs longer than asked: nothing changes
        session.rollback()
        return _fresh(session, existing), False
    auth = Authorization(id=str(uuid.uuid4()), person_id=person_id, partner_id=partner_id,
                         purpose=purpose, granted_at=at, expires_at=expires, scope=scope)
    try:
        session.add(auth)
        session.flush()
        audit.record(session, actor_role="person", actor_id=person_id,
                     action="authorization.grant", person_id=person_id,
                     partner_id=partner_id, purpose=purpose, authorization_id=auth.id,
                     expires_at=expires.isoformat(), scope=scope)
        session.commit()
    except IntegrityError:  # granted in parallel: the unique index let one insert through
        session.rollback()
        return None
    return auth, True


def _fresh(session: Session, authorization_id: str) -> Authorization:
    auth = session.get(Authorization, authorization_id, populate_existing=True)
    assert auth is not None
    return auth


def list_for_person(session: Session, person_id: str) -> list[Authorization]:
    stmt = (select(Authorization).where(Authorization.person_id == person_id)
            .order_by(Authorization.granted_at.desc()))
    return list(session.scalars(stmt))


def revoke(session: Session, person_id: str, authorization_id: str) -> Authorization:
    """Revoke at once. One conditional update (only while not revoked) committed with its
    audit row; revoking an already revoked authorization is idempotent: it answers with
    the one revocation stored, and writes neither a new time nor a second audit row."""
    revoked = session.execute(
        update(Authorization).where(Authorization.id == authorization_id,
                                    Authorization.person_id == person_id,
                                    Authorization.revoked_at.is_(None))
        .values(revoked_at=now())
        .returning(Authorization.partner_id, Authorization.purpose)
        .execution_options(synchronize_session=False)).first()
    if revoked is not None:
        audit.record(session, actor_role="person", actor_id=person_id,
                     action="authorization.revoke", person_id=person_id,
                     partner_id=revoked.partner_id, purpose=revoked.purpose,
                     authorization_id=authorization_id)
        session.commit()
    else:
        session.rollback()
    auth = session.get(Authorization, authorization_id, populate_existing=True)
    if auth is None or auth.person_id != person_id:  # another person's: same as none
        raise NotFoundError(f"you have no authorization {authorization_id!r}; list yours "
                            "with GET /v1/me/authorizations")
    return auth


def valid(session: Session, person_id: str, partner_id: str, purpose: str,
          at: datetime | None = None) -> str | None:
    """The id of the partner's live authorization for this person and purpose, if any.

    One indexed query whose cost does not depend on whether the person exists.
    """
    found = live(session, person_id, partner_id, purpose, at)
    return None if found is None else found[0]


def live(session: Session, person_id: str, partner_id: str, purpose: str,
         at: datetime | None = None) -> tuple[str, str] | None:
    """``valid``'s authorization id with its scope (what the partner may receive)."""
    if purpose not in PERMITTED:
        return None
    row = session.connection().execute(LIVE, {"person_id": person_id, "partner_id": partner_id,
                                   "purpose": purpose, "at": at or now()}).first()
    return None if row is None else (row.id, row.scope)


# Built once: this runs on every partner request. The binds (person_id, partner_id,
# purpose, at) are what a partner read's single lookup passes too.
LIVE = (select(Authorization.id, Authorization.scope).where(
    Authorization.person_id == bindparam("person_id"),
    Authorization.partner_id == bindparam("partner_id"),
    Authorization.purpose == bindparam("purpose"), Authorization.revoked_at.is_(None),
    Authorization.expires_at > bindparam("at", type_=Authorization.expires_at.type),
).order_by(Authorization.expires_at.desc()).limit(1))


def state(auth: Authorization, at: datetime | None = None) -> str:
    if auth.revoked_at is not None:
        return "revoked"
    return "active" if auth.expires_at > (at or now()) else "expired"
