"""A person's security freeze and fraud alert, and where their notices go by e-mail.

A freeze takes effect at once: every partner read of the person's score or threshold
check is refused while it stands, authorization or not, until the person lifts it. A
fraud alert is sent with every answer a partner receives (``fraud_alert`` in
``credo.policy.disclosure``): verify the person's identity before granting credit. Each
change is one conditional transition (only from the other state) committed in one
transaction with its audit row and the person's notification: of two requests racing,
one wins and the other gets a conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from credo.service.errors import ConflictError, InvalidRequestError
from credo.store import audit, notify
from credo.store.models import PersonControls, now

FRAUD_ALERT_INSTRUCTION = ("the person placed a fraud alert: verify their identity before "
                           "granting credit, opening an account or raising a limit")


@dataclass(frozen=True)
class Transition:
    column: str  # the instant column it sets (or clears)
    sets: bool
    action: str  # the audit log's action
    title: str  # the person's notification
    body: str
    conflict: str  # the loser's answer


TRANSITIONS = {
    "freeze": Transition(
        "frozen_at", True, "file.freeze", "Your file is frozen",
        "From now on every partner asking for your score or a yes / no check is refused, "
        "whatever you authorized, until you lift the freeze.",
        "your file is already frozen; lift the freeze first to freeze it again"),
    "unfreeze": Transition(
        "frozen_at", False, "file.unfreeze", "Your file is no longer frozen",
        "Partners you authorized can read your score again. If you did not lift the freeze "
        "yourself, freeze your file again and change your password.",
        "your file is not frozen; there is no freeze to lift"),
    "place_alert": Transition(
        "fraud_alert_at", True, "fraud_alert.place", "Your fraud alert is placed",
        "Every partner that reads your score is told to verify your identity before "
        "granting credit, until you lift the alert.",
        "you already have a fraud alert; lift it first to place it again"),
    "lift_alert": Transition(
        "fraud_alert_at", False, "fraud_alert.lift", "Your fraud alert is lifted",
        "Partners are no longer told to verify your identity first. If you did not lift "
        "it yourself, place it again and change your password.",
        "you have no fraud alert to lift"),
}


@dataclass(frozen=True)
class FileFlags:
    """The person's freeze and fraud alert, as a partner read finds them (read with the
    rest of what it needs: ``credo.service.scores.logic.partner_view``)."""

    frozen_at: datetime | None = None
    fraud_alert_at: datetime | None = None

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


def controls(session: Session, person_id: str) -> PersonControls:
    """The person's settings (defaults when they never changed one)."""
    found = session.get(PersonControls, person_id, populate_existing=True)
    return found or PersonControls(person_id=person_id, email_on=False)


def _ensure_row(session: Session, person_id: str) -> None:
    """Make the person's row if missing, in the caller's transaction (a row made by a
    concurrent request is taken as it is)."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(make(PersonControls).values(person_id=person_id, email_on=False,
                                                updated_at=now())
                    .on_conflict_do_nothing(index_elements=["person_id"]))


def change(session: Session, person_id: str, name: str) -> PersonControls:
    """Freeze, unfreeze, place or lift the fraud alert: one conditional transition."""
    step = TRANSITIONS[name]
    column = getattr(PersonControls, step.column)
    at = now()
    _ensure_row(session, person_id)
    moved = session.execute(
        update(PersonControls)
        .where(PersonControls.person_id == person_id,
               column.is_(None) if step.sets else column.is_not(None))
        .values({step.column: at if step.sets else None, "updated_at": at})
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ConflictError(step.conflict)
    audit.record(session, actor_role="person", actor_id=person_id, action=step.action,
                 person_id=person_id)
    notify.notify(session, person_id, "file", step.title, step.body)
    session.commit()
    return controls(session, person_id)


# A pragmatic check: one @, a dot in the domain, no spaces or angle brackets. The mail
# server is the judge of the rest.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}"
                    r"(?:\.[A-Za-z0-9-]{1,63})+)$")


def check_email(address: str) -> str:
    address = address.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidRequestError("email: give an address like name@example.org")
    return address


def set_email(session: Session, person_id: str, email: str | None, on: bool, *,
              can_send: bool) -> PersonControls:
    """Where the person's notices go by e-mail (audited). Turning e-mail on needs an
    address, and a server that sends e-mail."""
    address = check_email(email) if email else None
    if on and address is None:
        raise InvalidRequestError("email: give your address to turn e-mail notifications on")
    if on and not can_send:
        raise InvalidRequestError("this credo server sends no e-mail (no SMTP server is "
                                  "configured); every notice stays in your in-app list")
    _ensure_row(session, person_id)
    session.execute(update(PersonControls).where(PersonControls.person_id == person_id)
                    .values(email=address, email_on=on, updated_at=now())
                    .execution_options(synchronize_session=False))
    audit.record(session, actor_role="person", actor_id=person_id,
                 action="notifications.settings", person_id=person_id, email_on=on,
                 email_given=address is not None)
    session.commit()
    return controls(session, person_id)
