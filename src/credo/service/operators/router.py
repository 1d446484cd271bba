"""Operator administration over HTTP: operator keys, partner suspension (all audited)."""

from __future__ import annotations

from fastapi import APIRouter, Path

from credo.service.deps import DB, Operator
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.ids import ID_REGEX
from credo.service.operators import logic
from credo.service.operators.schemas import OperatorKeyOut, RevokedOut
from credo.service.partners import logic as partners
from credo.service.partners.schemas import PartnerOut

router = APIRouter(prefix="/v1/operator", tags=["operators"],
                   responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


def _id() -> object:
    return Path(pattern=ID_REGEX, max_length=128)  # one per parameter: FastAPI binds it


@router.get("/operators", response_model=list[OperatorKeyOut])
def operator_keys(operator: Operator, session: DB) -> list[OperatorKeyOut]:
    """Every operator key, live or revoked (never the key itself)."""
    return [OperatorKeyOut(id=k.id, operator=k.owner_id, prefix=k.prefix,
                           created_at=k.created_at, revoked_at=k.revoked_at)
            for k in logic.list_operator_keys(session)]


@router.post("/operators/{name_or_id}/revoke-key", response_model=RevokedOut,
             responses=NOT_FOUND)
def revoke_key(operator: Operator, session: DB, name_or_id: str = _id()) -> RevokedOut:
    """Revoke an operator's live keys (by name) or one key (by id): they and the console
    sessions opened with them stop working at once."""
    name, n = logic.revoke_operator(session, name_or_id, actor=operator.id)
    return RevokedOut(operator=name, revoked=n)


def _out(p: object) -> PartnerOut:
    return PartnerOut.model_validate(p, from_attributes=True)


@router.post("/partners/{partner_id}/suspend", response_model=PartnerOut,
             responses=NOT_FOUND)
def suspend(operator: Operator, session: DB, partner_id: str = _id()) -> PartnerOut:
    """Suspend a partner: every read it makes is refused (403) until reactivated."""
    return _out(partners.set_active(session, partner_id, False, actor=operator.id))


@router.post("/partners/{partner_id}/reactivate", response_model=PartnerOut,
             responses=NOT_FOUND)
def reactivate(operator: Operator, session: DB, partner_id: str = _id()) -> PartnerOut:
    """Lift a suspension: the partner's keys and its people's authorizations work again."""
    return _out(partners.set_active(session, partner_id, True, actor=operator.id))
