"""A person's authorizations: grant, list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from credo.policy.disclosure import disclosure
from credo.service.authorizations import logic
from credo.service.authorizations.schemas import AuthorizationOut, GrantIn
from credo.service.deps import DB, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, CONFLICT, NOT_FOUND
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


@router.post("", response_model=AuthorizationOut, status_code=201,
             responses={**NOT_FOUND, **CONFLICT, 200: {
                 "model": AuthorizationOut,
                 "description": "You had already authorized this partner for this purpose: "
                                "that authorization was extended (never shortened)"}})
def grant(body: GrantIn, person: Person, session: DB, response: Response) -> AuthorizationOut:
    """Let a partner read your score (or, with the scope threshold_only, only whether it
    reaches their threshold) for one purpose until it expires. Granting again extends the
    one you have (one per partner and purpose, taking the scope asked now) instead of
    adding another. GET /v1/disclosure says what each scope shares."""
    auth, created = logic.grant_or_extend(session, person.id, body.partner_id,
                                          body.purpose, body.valid_days, body.scope)
    if not created:
        response.status_code = 200
    return out(auth)


@router.get("", response_model=list[AuthorizationOut])
def list_mine(person: Person, session: DB) -> list[AuthorizationOut]:
    """Every authorization you granted, newest first."""
    return [out(a) for a in logic.list_for_person(session, person.id)]


@router.delete("/{authorization_id}", response_model=AuthorizationOut, responses=NOT_FOUND)
def revoke(person: Person, session: DB,
           authorization_id: str = Path(pattern=UUID_REGEX, max_length=36)
           ) -> AuthorizationOut:
    """Revoke at once: the partner's next request is refused. Idempotent: revoking again
    answers with the same revocation (same time), and the audit log keeps one row."""
    return out(logic.revoke(session, person.id, authorization_id))
