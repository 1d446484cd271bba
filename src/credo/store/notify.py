"""Writing a person's notifications, and the e-mail for each, in the caller's transaction.

Like ``credo.store.audit.record``, ``notify`` adds rows to the caller's transaction: the
event, its audit row, its notification and its outbox e-mail commit or roll back together,
so a notice is never lost for an event that happened nor sent for one that did not. The
sender (``credo.service.notifications.sender``) delivers the outbox afterwards. Reading and
marking read are in ``credo.service.notifications``.

A notice is written only for an enrolled person (someone who can read it), and an e-mail
only when that person gave an address and turned e-mail on.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import Connection, String, and_, bindparam, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from credo.store.appends import append, append_call
from credo.store.models import (
    Notification,
    OutboxMessage,
    Partner,
    Person,
    PersonControls,
    ScoreRecord,
    now,
)

KINDS = ("access", "band_change", "dispute", "review", "authorization_expiring", "file")
PARTNER = "{partner}"  # in a title or body: the partner's name, filled in by the database


def _notice_insert(with_partner: bool, returning: bool = True):
    """The notification's INSERT ... SELECT, built once with bound values so that every
    partner read reuses one compiled statement (building it per call was half the read);
    ``returning``: with the new notification's id."""
    title, body = bindparam("title", type_=String), bindparam("body", type_=String)
    source = select(Person.id).where(Person.id == bindparam("person_id"))
    if with_partner:
        source = source.join(Partner, Partner.id == bindparam("partner_id"))
        title, body = (func.replace(title, PARTNER, Partner.name),
                       func.replace(body, PARTNER, Partner.name))
    rows = source.add_columns(
        bindparam("kind", type_=String), title, body,
        bindparam("at", type_=Notification.created_at.type), bindparam("key", type_=String))
    statement = insert(Notification).from_select(
        ["person_id", "kind", "title", "body", "created_at", "key"], rows)
    return statement.returning(Notification.id) if returning else statement


# Whether a person's notices go by e-mail: the one statement of the rule, which the
# outbox INSERT below and a partner read's single lookup both use.
EMAIL_WANTED = and_(PersonControls.email_on.is_(True), PersonControls.email.is_not(None))


def _email_insert():
    """The notification's e-mail, queued only when the person turned e-mail on."""
    at = bindparam("at", type_=OutboxMessage.created_at.type)
    email = (select(Notification.id, PersonControls.email, Notification.title,
                    Notification.title + literal("\n\n", String) + Notification.body
                    + literal(FOOTER, String), at, at)
             .join(PersonControls, PersonControls.person_id == Notification.person_id)
             .where(Notification.id == bindparam("notification_id"), EMAIL_WANTED))
    return insert(OutboxMessage).from_select(
        ["notification_id", "to_address", "subject", "body", "created_at", "next_attempt_at"],
        email)


def notify(session: Session, person_id: str, kind: str, title: str, body: str, *,
           key: str | None = None, partner_id: str | None = None) -> int | None:
    """Add one notification (and its e-mail, if the person wants e-mail); its id, or None
    when the person is not enrolled. ``{partner}`` in the words becomes the name of
    ``partner_id``."""
    return _write(session.connection(), _values(person_id, kind, title, body, key, partner_id),
                  email=None)


def notify_later(session: Session, person_id: str, kind: str, title: str, body: str, *,
                 partner_id: str | None = None, email: bool | None = None) -> None:
    """``notify`` as an append (``credo.store.appends``): written with the rows of the
    session's batch when it gathers them, its id not returned. ``email=False``: the caller
    read ``EMAIL_WANTED`` in this transaction and it was false, so the notice is a plain
    INSERT (a partner read's batch writes all of its reads' notices with one statement);
    otherwise the notice and its e-mail are written after the batch's statements."""
    values = _values(person_id, kind, title, body, None, partner_id)
    if email is False:
        append(session, _PLAIN_NOTICE_WITH_PARTNER if partner_id is not None
               else _PLAIN_NOTICE, values)
    else:
        append_call(session, partial(_write, values=values, email=email))


def _values(person_id: str, kind: str, title: str, body: str, key: str | None,
            partner_id: str | None) -> dict[str, object]:
    assert kind in KINDS, kind
    values = {"person_id": person_id, "kind": kind, "title": title, "body": body,
              "at": now(), "key": key}
    if partner_id is not None:
        values["partner_id"] = partner_id
    return values


def _write(connection: Connection, values: dict[str, object], email: bool | None
           ) -> int | None:
    # Core execution on the session's connection: the same transaction, without the ORM
    # reading a dict of values as a bulk INSERT.
    notification_id = connection.execute(
        _NOTICE_WITH_PARTNER if "partner_id" in values else _NOTICE, values,
    ).scalar_one_or_none()
    if notification_id is None:
        return None
    if email is not False:
        connection.execute(_EMAIL, {"notification_id": notification_id, "at": values["at"]})
    return int(notification_id)


FOOTER = ("\n\n-- \ncredo sends this because you turned e-mail notifications on. Sign in to "
          "credo to see every notification, or turn e-mail off on your Notifications page.")

_NOTICE, _NOTICE_WITH_PARTNER = _notice_insert(False), _notice_insert(True)
_PLAIN_NOTICE = _notice_insert(False, returning=False)
_PLAIN_NOTICE_WITH_PARTNER = _notice_insert(True, returning=False)
_EMAIL = _email_insert()


# -- what each notice says ------------------------------------------------------------
# Outcomes of a partner's read, in the words of the person's access log.
ACCESS_OUTCOMES = {
    "granted": "it was shown",
    "denied": "it was refused: the partner has no authorization from you",
    "not_available": "there was no current score to show",
    "threshold_only": "it was refused: you allowed yes / no answers only",
    "purpose_refused": "it was refused: that is not a credit purpose",
    "purpose_not_declared": "it was refused: the partner did not declare that purpose",
    "frozen": "it was refused: your file is frozen",
    "yes": "the answer was yes",
    "no": "the answer was no",
}


def partner_access(session: Session, person_id: str, partner_id: str, purpose: str,
                   action: str, outcome: str, threshold: object = None, *,
                   email: bool | None = None) -> None:
    """A partner read the person's score or checked it against a threshold (or tried).
    ``email`` as in ``notify_later``; the notice is written with the rows of the read's
    batch."""
    what = ("for your score" if action == "score.read"
            else f"whether your score reaches {threshold}")
    words = ACCESS_OUTCOMES.get(outcome, outcome.replace("_", " "))
    notify_later(
        session, person_id, "access",
        f"{PARTNER} asked {what} ({purpose.replace('_', ' ')}): {words}",
        f"{PARTNER} asked {what} for the purpose {purpose.replace('_', ' ')}, and "
        f"{words}. If you do not know this partner, freeze your file and place a fraud "
        "alert from your Protection page.", partner_id=partner_id, email=email)


def band_change(session: Session, person_id: str, before: str, after: str, score: int,
                why: str) -> None:
    notify(session, person_id, "band_change",
           f"Your score band changed from {before} to {after}",
           f"Your score is now {score} ({after}), {why}. Your score page shows what "
           "holds it back and what helps.")


def band_changes(session: Session, run_id: str, why: str) -> int:
    """Notify every enrolled person whose band in ``run_id`` differs from their band
    before it (a monthly publish, a rescore); how many were notified."""
    new = aliased(ScoreRecord)
    before = (select(ScoreRecord.band)
              .where(ScoreRecord.person_id == new.person_id, ScoreRecord.id < new.id,
                     ScoreRecord.score.is_not(None))
              .order_by(ScoreRecord.id.desc()).limit(1).correlate(new).scalar_subquery())
    rows = session.execute(
        select(new.person_id, before.label("before"), new.band, new.score)
        .join(Person, Person.id == new.person_id)
        .where(new.run_id == run_id, new.score.is_not(None))).all()
    changed = [r for r in rows if r.before is not None and r.before != r.band]
    for r in changed:
        band_change(session, r.person_id, r.before, r.band, r.score, why)
    return len(changed)
