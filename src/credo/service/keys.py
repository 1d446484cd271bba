"""Issuing, checking and revoking API keys (partners, sources, operators)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from credo.service.errors import NotAuthenticatedError, NotFoundError
from credo.service.security import KEY_PREFIX, hash_secret, new_secret, same
from credo.store.models import ApiKey, Partner, now

ROLES = tuple(KEY_PREFIX)


@dataclass(frozen=True)
class Principal:
    role: str  # partner | source | operator | person
    id: str
    credential: str  # hash of the credential: the rate-limit key
    active: bool = True  # False: a suspended partner (identified, every read refused)
    purposes: tuple[str, ...] | None = None  # a partner's declared purposes


def issue_key(session: Session, role: str, owner_id: str, pepper: bytes) -> str:
    """Add a key for ``owner_id``; return it in clear (the only time it exists so)."""
    key = new_secret(KEY_PREFIX[role])
    session.add(ApiKey(key_hash=hash_secret(key, pepper), prefix=key[:13], role=role,
                       owner_id=owner_id))
    return key


def revoke_keys(session: Session, role: str, owner_id: str, prefix: str | None = None) -> int:
    stmt = (update(ApiKey)
            .where(ApiKey.role == role, ApiKey.owner_id == owner_id,
                   ApiKey.revoked_at.is_(None))
            .values(revoked_at=now()))
    if prefix:
        stmt = stmt.where(ApiKey.prefix == prefix[:13])
    n = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    if not n:
        raise NotFoundError(f"no active {role} key for {owner_id!r}"
                            + (f" starting with {prefix[:13]!r}" if prefix else "")
                            + f"; list keys with `credo {role} list`")
    return int(n)


# Built once: this runs on every authenticated request.
LIVE_KEY = and_(ApiKey.key_hash == bindparam("digest"), ApiKey.role == bindparam("role"),
                ApiKey.revoked_at.is_(None))
PARTNER_OF_KEY = (Partner.id == ApiKey.owner_id) & (ApiKey.role == "partner")
KEY = (select(ApiKey.key_hash, ApiKey.owner_id, Partner.active, Partner.purposes)
       .outerjoin(Partner, PARTNER_OF_KEY).where(LIVE_KEY))


def missing_key(role: str) -> NotAuthenticatedError:
    return NotAuthenticatedError(f"send your {role} API key in the X-API-Key header",
                                 headers={"WWW-Authenticate": "ApiKey"})


def authenticate(session: Session, role: str, key: str | None, pepper: bytes) -> Principal:
    if not key:
        raise missing_key(role)
    return principal_of_digest(session, role, hash_secret(key, pepper))


def principal_of_digest(session: Session, role: str, digest: str) -> Principal:
    """The owner of the live key whose hash is ``digest`` (a key's stored form: what a
    console session keeps instead of the key itself)."""
    # One round trip: the key and, for partners, whether the partner is active and the
    # purposes it declared (what every score read checks first).
    row = session.connection().execute(KEY, {"digest": digest, "role": role}).first()
    return principal_of_row(role, digest, row)


def principal_of_row(role: str, digest: str, row: Any) -> Principal:
    """The principal a row of ``KEY``'s columns (or None, or a row of nulls: no live key)
    stands for, or the 401 of a key that is not valid."""
    if row is None or row.key_hash is None or not same(row.key_hash, digest):
        raise NotAuthenticatedError(
            f"this {role} API key is not valid (unknown or revoked); ask the operator "
            "for a new key", headers={"WWW-Authenticate": "ApiKey"},
        )
    if role != "partner":
        return Principal(role, row.owner_id, digest)
    return Principal(role, row.owner_id, digest, active=bool(row.active),
                     purposes=tuple(row.purposes or ()))
