"""The person's notifications and their e-mail settings."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query

from credo.service.controls import logic as controls
from credo.service.controls.schemas import EmailSettingsIn, EmailSettingsOut
from credo.service.deps import DB, Ctx, Person
from credo.service.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_FOUND
from credo.service.notifications import logic
from credo.service.notifications.schemas import MarkedOut, NotificationOut
from credo.store.models import Notification, OutboxMessage, PersonControls

router = APIRouter(prefix="/v1/me", tags=["notifications"],
                   responses={**COMMON_RESPONSES, **AUTH_RESPONSES})


def emailed(message: OutboxMessage | None) -> str:
    if message is None:
        return "no"
    return "sent" if message.sent_at else "failed" if message.failed_at else "queued"


def out(n: Notification, message: OutboxMessage | None) -> NotificationOut:
    return NotificationOut(id=n.id, kind=n.kind, title=n.title, body=n.body,  # type: ignore[arg-type]
                           created_at=n.created_at, read_at=n.read_at,
                           emailed=emailed(message))  # type: ignore[arg-type]


@router.get("/notifications", response_model=list[NotificationOut])
def mine(person: Person, session: DB, unread: bool = Query(False)) -> list[NotificationOut]:
    """Your notifications, newest first (200 at most): every partner's read or refused
    read, band changes, dispute and review decisions, authorizations about to expire,
    freezes and fraud alerts."""
    shown = logic.list_for_person(session, person.id, unread_only=unread)
    mail = logic.emails_of(session, [n.id for n in shown])
    return [out(n, mail.get(n.id)) for n in shown]


@router.post("/notifications/{notification_id}/read", response_model=MarkedOut,
             responses=NOT_FOUND)
def read_one(person: Person, session: DB,
             notification_id: int = Path(ge=1, le=2**62)) -> MarkedOut:
    """Mark one notification read (idempotent)."""
    return MarkedOut(marked=logic.mark_read(session, person.id, notification_id))


@router.post("/notifications/read", response_model=MarkedOut)
def read_all(person: Person, session: DB) -> MarkedOut:
    """Mark every notification read (idempotent)."""
    return MarkedOut(marked=logic.mark_read(session, person.id))


def settings_out(ctx: Ctx, c: PersonControls) -> EmailSettingsOut:
    return EmailSettingsOut(email=c.email, email_on=bool(c.email_on),
                            can_send=ctx.settings.smtp is not None)


@router.get("/notification-settings", response_model=EmailSettingsOut)
def my_settings(person: Person, ctx: Ctx, session: DB) -> EmailSettingsOut:
    """Where your notices go by e-mail."""
    return settings_out(ctx, controls.controls(session, person.id))


@router.put("/notification-settings", response_model=EmailSettingsOut)
def set_settings(body: EmailSettingsIn, person: Person, ctx: Ctx, session: DB
                 ) -> EmailSettingsOut:
    """Send every notice by e-mail too (or stop). Needs an address, and a server that
    sends e-mail (can_send)."""
    return settings_out(ctx, controls.set_email(session, person.id, body.email,
                                                body.email_on,
                                                can_send=ctx.settings.smtp is not None))
