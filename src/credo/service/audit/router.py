"""The person's access log; the operator's view of the audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Query

from credo.service.audit import logic
from credo.service.audit.schemas import AccessOut, AuditEventOut
from credo.service.deps import DB, Operator, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES
from credo.service.ids import ID_REGEX
from credo.store import audit

router = APIRouter(tags=["audit"], responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


@router.get("/v1/me/access-log", response_model=list[AccessOut])
def my_access_log(person: Person, session: DB) -> list[AccessOut]:
    """Who looked at your score (or tried to), when, for what purpose and with which
    answer (a "no" with its reasons); and when you froze your file or placed a fraud
    alert (by: you)."""
    out = []
    for e in logic.access_log(session, person.id):
        result, reasons = logic.answer_given(e)
        out.append(AccessOut(at=e.at, by="you" if e.actor_role == "person" else "partner",
                             partner_id=e.partner_id, purpose=e.purpose, action=e.action,
                             outcome=e.outcome, result=result, reasons=reasons))
    return out


@router.get("/v1/operator/audit", response_model=list[AuditEventOut])
def audit_trail(operator: Operator, session: DB,
                person_id: str | None = Query(None, pattern=ID_REGEX, max_length=128),
                limit: int = Query(200, ge=1, le=1000)) -> list[AuditEventOut]:
    """The latest audit events (optionally about one person), newest first."""
    out = [AuditEventOut.model_validate(e, from_attributes=True)
           for e in logic.events(session, person_id=person_id, limit=limit)]
    audit.record(session, actor_role="operator", actor_id=operator.id, action="audit.read",
                 person_id=person_id, rows=len(out))
    session.commit()
    return out
