"""Authorizations: a person lets one partner read their score for one purpose, until a
date, and can revoke it at once. The check runs on every partner read."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from credo.policy.disclosure import DEFAULT_SCOPE, check_scope
from credo.policy.purposes import PERMITTED, check_purpose
from credo.service.errors import InvalidRequestError, NotFoundError
from credo.store import audit
from credo.store.models import Authorization, Partner, now

MAX_DAYS = 365


def grant(session: Session, person_id: str, partner_id: str, purpose: str, days: int,
          scope: str = DEFAULT_SCOPE) -> Authorization:
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
    at = now()
    auth = Authorization(id=str(uuid.uuid4()), person_id=person_id, partner_id=partner_id,
                         purpose=purpose, granted_at=at, expires_at=at + timedelta(days=days),
                         scope=scope)
    session.add(auth)
    audit.record(session, actor_role="person", actor_id=person_id, action="authorization.grant",
                 person_id=person_id, partner_id=partner_id, purpose=purpose,
                 authorization_id=auth.id, expires_at=auth.expires_at.isoformat(), scope=scope)
    session.commit()
    return auth


def list_for_person(session: Session, person_id: str) -> list[Authorization]:
    stmt = (select(Authorization).where(Authorization.person_id == person_id)
            .order_by(Authorization.granted_at.desc()))
    return list(session.scalars(stmt))


def revoke(session: Session, person_id: str, authorization_id: str) -> Authorization:
    auth = session.get(Authorization, authorization_id)
    if auth is None or auth.person_id != person_id:  # another person's: same as none
        raise NotFoundError(f"you have no authorization {authorization_id!r}; list yours "
                            "with GET /v1/me/authorizations")
    if auth.revoked_at is None:
        auth.revoked_at = now()
        audit.record(session, actor_role="person", actor_id=person_id,
                     action="authorization.revoke", person_id=person_id,
                     partner_id=auth.partner_id, purpose=auth.purpose,
                     authorization_id=auth.id)
        session.commit()
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
    row = session.execute(_VALID, {"person_id": person_id, "partner_id": partner_id,
                                   "purpose": purpose, "at": at or now()}).first()
    return None if row is None else (row.id, row.scope)


# Built once: this runs on every partner request.
_VALID = (select(Authorization.id, Authorization.scope).where(
    Authorization.person_id == bindparam("person_id"),
    Authorization.partner_id == bindparam("partner_id"),
    Authorization.purpose == bindparam("purpose"), Authorization.revoked_at.is_(None),
    Authorization.expires_at > bindparam("at", type_=Authorization.expires_at.type),
).order_by(Authorization.expires_at.desc()).limit(1))


def state(auth: Authorization, at: datetime | None = None) -> str:
    if auth.revoked_at is not None:
        return "revoked"
    return "active" if auth.expires_at > (at or now()) else "expired"
