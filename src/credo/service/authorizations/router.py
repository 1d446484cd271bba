"""A person's authorizations: grant, list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Path

from credo.policy.disclosure import disclosure
from credo.service.authorizations import logic
from credo.service.authorizations.schemas import AuthorizationOut, GrantIn
from credo.service.deps import DB, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.ids import UUID_REGEX
from credo.store.models import Authorization

router = APIRouter(prefix="/v1/me/authorizations", tags=["authorizations"],
                   responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


def out(a: Authorization) -> AuthorizationOut:
    shown = disclosure(a.purpose, a.scope)
    return AuthorizationOut(id=a.id, partner_id=a.partner_id, purpose=a.purpose,
                            granted_at=a.granted_at, expires_at=a.expires_at,
                            revoked_at=a.revoked_at, state=logic.state(a), scope=a.scope,
                            shares=list(shown.fields), consent=shown.consent_text())


@router.post("", response_model=AuthorizationOut, status_code=201, responses=NOT_FOUND)
def grant(body: GrantIn, person: Person, session: DB) -> AuthorizationOut:
    """Let a partner read your score (or, with the scope threshold_only, only whether it
    reaches their threshold) for one purpose until it expires. GET /v1/disclosure says
    what each scope shares."""
    return out(logic.grant(session, person.id, body.partner_id, body.purpose,
                           body.valid_days, body.scope))


@router.get("", response_model=list[AuthorizationOut])
def list_mine(person: Person, session: DB) -> list[AuthorizationOut]:
    """Every authorization you granted, newest first."""
    return [out(a) for a in logic.list_for_person(session, person.id)]


@router.delete("/{authorization_id}", response_model=AuthorizationOut, responses=NOT_FOUND)
def revoke(person: Person, session: DB,
           authorization_id: str = Path(pattern=UUID_REGEX, max_length=36)
           ) -> AuthorizationOut:
    """Revoke at once: the partner's next request is refused."""
    return out(logic.revoke(session, person.id, authorization_id))
