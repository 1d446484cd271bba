"""Partners: registered by an operator, with declared purposes from the closed list."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from credo.policy.purposes import check_purposes
from credo.service.errors import ConflictError, InvalidRequestError, NotFoundError
from credo.service.ids import check_id
from credo.service.keys import issue_key, revoke_keys
from credo.store import audit
from credo.store.models import Partner


def register_partner(session: Session, pepper: bytes, *, name: str, purposes: list[str],
                     partner_id: str | None = None, actor: str = "operator"
                     ) -> tuple[Partner, str]:
    """Register a partner; returns it and its API key (shown once, stored hashed)."""
    declared = list(check_purposes(purposes))  # refuses non-credit purposes, with the reason
    name = name.strip()
    if not 1 <= len(name) <= 200 or not name.isprintable():
        raise InvalidRequestError("partner name: 1-200 printable characters")
    partner_id = check_id(partner_id or f"pt-{uuid.uuid4().hex[:12]}", "partner id")
    if session.get(Partner, partner_id) is not None:
        raise ConflictError(f"partner {partner_id!r} already exists; choose another --id")
    partner = Partner(id=partner_id, name=name, purposes=declared, active=True)
    session.add(partner)
    session.flush()
    key = issue_key(session, "partner", partner_id, pepper)
    audit.record(session, actor_role="operator", actor_id=actor, action="partner.register",
                 partner_id=partner_id, purposes=declared)
    session.commit()
    return partner, key


def get_partner(session: Session, partner_id: str) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"no partner {partner_id[:40]!r}; list them with "
                            "`credo partner list`")
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.created_at)))


def names(session: Session, partner_ids: set[str]) -> dict[str, str]:
    """Each of these partners' display name, by id (unknown ids are left out)."""
    if not partner_ids:
        return {}
    return {p.id: p.name for p in session.scalars(
        select(Partner).where(Partner.id.in_(partner_ids)))}


def new_key(session: Session, pepper: bytes, partner_id: str, actor: str = "operator") -> str:
    get_partner(session, partner_id)
    key = issue_key(session, "partner", partner_id, pepper)
    audit.record(session, actor_role="operator", actor_id=actor, action="partner.new_key",
                 partner_id=partner_id)
    session.commit()
    return key


def revoke_key(session: Session, partner_id: str, prefix: str | None = None,
               actor: str = "operator") -> int:
    get_partner(session, partner_id)
    n = revoke_keys(session, "partner", partner_id, prefix)
    audit.record(session, actor_role="operator", actor_id=actor, action="partner.revoke_key",
                 partner_id=partner_id, keys=n)
    session.commit()
    return n


def set_active(session: Session, partner_id: str, active: bool, actor: str = "operator"
               ) -> Partner:
    """Suspend (``active=False``) or reactivate a partner, at once; audited. While
    suspended its keys still identify it, and every read is refused (403)."""
    partner = get_partner(session, partner_id)
    was = partner.active
    partner.active = active
    audit.record(session, actor_role="operator", actor_id=actor,
                 action="partner.reactivate" if active else "partner.suspend",
                 partner_id=partner_id, changed=was != active)
    session.commit()
    return partner
