"""Operators: their console sessions (kept on the server) and their keys.

A console session is opened with an operator API key. The cookie holds a random token;
the store keeps only its keyed hash, with the key it was opened with and an expiry. It
ends when the operator signs out (the row is deleted), when it expires, and when the
key is revoked (every check joins the key, which must still be live).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from credo.service.errors import NotAuthenticatedError, NotFoundError
from credo.service.keys import Principal, authenticate
from credo.service.security import hash_secret, new_secret, same
from credo.store import audit
from credo.store.models import ApiKey, OperatorSession, now

CONSOLE_HOURS = 8.0

_SESSION = (select(OperatorSession.token_hash, OperatorSession.operator_id)
            .join(ApiKey, ApiKey.id == OperatorSession.key_id)
            .where(OperatorSession.token_hash == bindparam("digest"),
                   OperatorSession.expires_at > bindparam("now"),
                   ApiKey.revoked_at.is_(None), ApiKey.role == "operator"))


def open_console_session(session: Session, pepper: bytes, api_key: str,
                         hours: float = CONSOLE_HOURS) -> str:
    """Check an operator API key and open a console session; return its token (the
    cookie's value, never stored in clear)."""
    principal = authenticate(session, "operator", api_key[:200], pepper)
    key_id = session.scalars(select(ApiKey.id).where(
        ApiKey.key_hash == principal.credential)).one()
    token = new_secret("credo_cs_")
    at = now()
    session.execute(delete(OperatorSession).where(OperatorSession.expires_at < at))
    session.add(OperatorSession(token_hash=hash_secret(token, pepper),
                                operator_id=principal.id, key_id=key_id, created_at=at,
                                expires_at=at + timedelta(hours=hours)))
    session.commit()
    return token


def console_principal(session: Session, pepper: bytes, token: str | None) -> Principal:
    """The operator of a live console session (its key still live), or 401."""
    digest = hash_secret(token or "", pepper)
    row = session.execute(_SESSION, {"digest": digest, "now": now()}).first() if token else None
    if row is None or not same(row.token_hash, digest):
        raise NotAuthenticatedError("this console session has ended (signed out, expired or "
                                    "its key revoked); sign in again")
    return Principal("operator", row.operator_id, digest)


def end_console_session(session: Session, principal: Principal) -> None:
    session.execute(delete(OperatorSession).where(
        OperatorSession.token_hash == principal.credential))
    session.commit()


def list_operator_keys(session: Session) -> list[ApiKey]:
    """Every operator key, live or revoked, by operator then age."""
    return list(session.scalars(select(ApiKey).where(ApiKey.role == "operator")
                                .order_by(ApiKey.owner_id, ApiKey.id)))


def revoke_operator(session: Session, name_or_id: str, actor: str) -> tuple[str, int]:
    """Revoke every live key of the operator so named or, failing that, the live
    operator key with this id; their console sessions end with them. Audited."""
    live = select(ApiKey).where(ApiKey.role == "operator", ApiKey.revoked_at.is_(None))
    keys = list(session.scalars(live.where(ApiKey.owner_id == name_or_id)))
    if not keys and name_or_id.isdigit() and len(name_or_id) < 19:
        keys = list(session.scalars(live.where(ApiKey.id == int(name_or_id))))
    if not keys:
        raise NotFoundError(f"no live operator key for {name_or_id[:40]!r} (an operator's "
                            "name or a key id); list them with `credo operator list`")
    at = now()
    for key in keys:
        key.revoked_at = at
    ids = [k.id for k in keys]
    session.execute(delete(OperatorSession).where(OperatorSession.key_id.in_(ids)))
    operator = keys[0].owner_id
    audit.record(session, actor_role="operator", actor_id=actor, action="operator.revoke_key",
                 operator=operator, keys=ids)
    session.commit()
    return operator, len(keys)
