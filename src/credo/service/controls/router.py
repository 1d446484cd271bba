"""The person's security freeze and fraud alert."""

from __future__ import annotations

from fastapi import APIRouter

from credo.service.controls import logic
from credo.service.controls.schemas import ControlsOut
from credo.service.deps import DB, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, CONFLICT
from credo.store.models import PersonControls

router = APIRouter(prefix="/v1/me", tags=["controls"],
                   responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


def out(c: PersonControls) -> ControlsOut:
    return ControlsOut(frozen=c.frozen_at is not None, frozen_at=c.frozen_at,
                       fraud_alert=c.fraud_alert_at is not None,
                       fraud_alert_at=c.fraud_alert_at)


@router.get("/controls", response_model=ControlsOut)
def mine(person: Person, session: DB) -> ControlsOut:
    """Whether your file is frozen and whether you placed a fraud alert."""
    return out(logic.controls(session, person.id))


@router.post("/freeze", response_model=ControlsOut, responses=CONFLICT)
def freeze(person: Person, session: DB) -> ControlsOut:
    """Freeze your file at once: every partner read is refused, whatever you authorized,
    until you lift the freeze. 409 if it is already frozen."""
    return out(logic.change(session, person.id, "freeze"))


@router.delete("/freeze", response_model=ControlsOut, responses=CONFLICT)
def unfreeze(person: Person, session: DB) -> ControlsOut:
    """Lift the freeze at once. 409 if your file is not frozen."""
    return out(logic.change(session, person.id, "unfreeze"))


@router.post("/fraud-alert", response_model=ControlsOut, responses=CONFLICT)
def place_alert(person: Person, session: DB) -> ControlsOut:
    """Place a fraud alert: every partner's answer tells it to verify your identity before
    granting credit. 409 if you already have one."""
    return out(logic.change(session, person.id, "place_alert"))


@router.delete("/fraud-alert", response_model=ControlsOut, responses=CONFLICT)
def lift_alert(person: Person, session: DB) -> ControlsOut:
    """Lift your fraud alert. 409 if you have none."""
    return out(logic.change(session, person.id, "lift_alert"))
