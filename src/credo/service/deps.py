"""FastAPI dependencies: context, database session, and who is calling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from credo.service.context import ServiceContext
from credo.service.keys import Principal, missing_key, principal_of_digest

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="Partner, source or operator API key")
bearer = HTTPBearer(auto_error=False, description="A person's session token (from login)")


async def get_ctx(request: Request) -> ServiceContext:
    # async: resolved on the event loop, no thread hop per request
    return request.app.state.ctx  # type: ignore[no-any-return]


Ctx = Annotated[ServiceContext, Depends(get_ctx)]


def get_session(ctx: Ctx) -> Iterator[Session]:
    with ctx.session() as session:
        yield session


DB = Annotated[Session, Depends(get_session)]
ApiKeyValue = Annotated[str | None, Security(api_key_header)]


def key_principal(ctx: ServiceContext, session: Session, role: str, key: str | None
                  ) -> Principal:
    return principal_of_digest(session, role, presented_digest(ctx, role, key))


def presented_digest(ctx: ServiceContext, role: str, key: str | None) -> str:
    """The presented key's hash, once its rate limit let it through (brute force is
    throttled too); 401 when there is no key. Whether it is valid is for the lookup."""
    if not key:
        raise missing_key(role)
    from credo.service.security import hash_secret

    digest = hash_secret(key[:200], ctx.pepper)  # never hash megabytes: too long is invalid
    ctx.limiter.check(role + ":" + digest)
    return digest


def active_principal(ctx: ServiceContext, session: Session, role: str, key: str | None
                     ) -> Principal:
    """``key_principal``, refused when its owner is suspended."""
    principal = key_principal(ctx, session, role, key)
    if not principal.active:
        from credo.service.errors import NoAuthorizationError
        from credo.service.scores.logic import SUSPENDED

        raise NoAuthorizationError(SUSPENDED)
    return principal


def _key_principal(role: str):
    def dependency(ctx: Ctx, session: DB, key: ApiKeyValue = None) -> Principal:
        return active_principal(ctx, session, role, key)

    return dependency


def current_person(
    ctx: Ctx, session: DB,
    creds: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal:
    from credo.service.people.logic import authenticate_token

    token = creds.credentials[:200] if creds else None
    principal = authenticate_token(session, token, ctx.pepper)
    ctx.limiter.check("person:" + principal.credential)
    return principal


Partner = Annotated[Principal, Depends(_key_principal("partner"))]
Source = Annotated[Principal, Depends(_key_principal("source"))]
Operator = Annotated[Principal, Depends(_key_principal("operator"))]
Person = Annotated[Principal, Depends(current_person)]


def client_key(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "unknown")
