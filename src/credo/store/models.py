"""The operational store's tables (SQLAlchemy 2 typed models).

Every instant is stored in UTC and comes back timezone-aware on SQLite and PostgreSQL
alike. Secrets (API keys, passwords, tokens) are stored only as hashes. The audit log
is append-only: the migrations install triggers that refuse UPDATE, DELETE and (on SQLite)
an INSERT OR REPLACE over an existing row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = 128  # identifiers follow the data contract: at most 128 characters


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC instants on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC instant")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrement needs INTEGER


class Base(DeclarativeBase):
    pass


class Partner(Base):
    __tablename__ = "partners"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    active: Mapped[bool] = mapped_column(default=True)


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ApiKey(Base):
    """A partner's, source's or operator's key: only its keyed hash is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings to tell keys apart
    role: Mapped[str] = mapped_column(String(16))  # partner | source | operator
    owner_id: Mapped[str] = mapped_column(String(ID), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id
    activation_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PersonToken(Base):
    __tablename__ = "person_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OperatorSession(Base):
    """An operator's console session: only the cookie's keyed hash is stored. It lives
    while its key does, until it expires or the operator signs out."""

    __tablename__ = "operator_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(String(ID), index=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """Failed logins counted per person id and per client address, for the backoff.

    ``key`` is a keyed hash of ``scope:value``, so neither the ids tried nor the
    addresses are kept in clear here (the audit log has each attempt)."""

    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # person | client
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Authorization(Base):
    __tablename__ = "authorizations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the partner receives (credo.policy.disclosure): "score" or "threshold_only".
    scope: Mapped[str] = mapped_column(String(20), default="score", server_default="score")
    __table_args__ = (
        Index("ix_authorizations_lookup", "person_id", "partner_id", "purpose"),
        # one live authorization per person, partner and purpose (migration 0003)
        Index("uq_authorizations_live", "person_id", "partner_id", "purpose", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )


class PublishedRun(Base):
    __tablename__ = "published_runs"
    run_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    model_id: Mapped[str] = mapped_column(String(200))
    data_fingerprint: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ScoreRecord(Base):
    """One entry of a person's score history: a monthly run, a rescore, or a pending one.

    ``status``: ``published`` (monthly run), ``rescored`` (after a dispute was resolved)
    or ``rescore_pending`` (a rescore is due and no score was computed yet: no score).
    """

    __tablename__ = "score_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(ID))
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(20))
    probability_of_default: Mapped[float | None] = mapped_column(Float)
    credit_history: Mapped[int | None] = mapped_column(Integer)
    fulfilment_capacity: Mapped[int | None] = mapped_column(Integer)
    behaviour: Mapped[int | None] = mapped_column(Integer)
    identity: Mapped[int | None] = mapped_column(Integer)
    tenure: Mapped[int | None] = mapped_column(Integer)
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    model_id: Mapped[str | None] = mapped_column(String(200))
    data_fingerprint: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str] = mapped_column(String(ID))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    __table_args__ = (
        UniqueConstraint("person_id", "run_id", name="uq_score_history_person_run"),
        Index("ix_score_history_person", "person_id", "id"),
    )


class AuditEvent(Base):
    """Append-only: who did what, to whom, for which purpose, with which outcome."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_role: Mapped[str] = mapped_column(String(16))  # partner|person|operator|source
    actor_id: Mapped[str] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str | None] = mapped_column(String(ID))
    partner_id: Mapped[str | None] = mapped_column(String(ID))
    purpose: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    __table_args__ = (Index("ix_audit_person", "person_id", "id"),)


class Dispute(Base):
    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(ID))
    record_id: Mapped[str] = mapped_column(String(ID))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open|upheld|rejected
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(ID))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (  # one open dispute per record (migration 0003)
        Index("uq_disputes_open_record", "person_id", "kind", "source_id", "record_id",
              unique=True, sqlite_where=text("status = 'open'"),
              postgresql_where=text("status = 'open'")),
    )


class ModelRecord(Base):
    """A trained model in the registry: what it was trained on, how it did, its status.

    ``status``: ``candidate`` (trained, not serving), ``champion`` (the one ``credo run``
    uses; at most one) or ``retired`` (served once, replaced). Promotions and rollbacks
    are operator actions written to the audit log as well.
    """

    __tablename__ = "models"
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    as_of: Mapped[date | None] = mapped_column(Date)
    validate_as_of: Mapped[date | None] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(200))
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    document: Mapped[dict] = mapped_column(JSON)  # the model file itself
    status: Mapped[str] = mapped_column(String(12), index=True)
    promoted_by: Mapped[str | None] = mapped_column(String(ID))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_champion: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (  # at most one champion (migration 0007)
        Index("uq_models_one_champion", "status", unique=True,
              sqlite_where=text("status = 'champion'"),
              postgresql_where=text("status = 'champion'")),
    )


class Push(Base):
    """A batch of records a source pushed, kept until it is in the lake.

    The API writes the batch here (with its audit row) and answers at once; an inbox
    worker, in its own process, ingests it into the lake and rescores the people it
    concerns, so a partner's read never waits on the lake. ``state``: ``pending``
    (received), ``ingesting`` (a worker claimed it), ``done`` (in the lake; ``report``
    says what was accepted, duplicate, superseded or quarantined) or ``failed`` (the
    batch cannot be ingested: ``report`` says why; nothing of it is in the lake).
    """

    __tablename__ = "pushes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(ID))  # the authenticated source
    kind: Mapped[str] = mapped_column(String(40))
    records: Mapped[list[dict]] = mapped_column(JSON)
    record_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (Index("ix_pushes_state", "state", "received_at"),
                      Index("ix_pushes_source", "source_id", "received_at"))


class PersonControls(Base):
    """What a person set about their own file: a security freeze (every partner read is
    refused while ``frozen_at`` is set), a fraud alert (partners are told to verify
    identity before granting credit) and where notifications go by e-mail."""

    __tablename__ = "person_controls"
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fraud_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email: Mapped[str | None] = mapped_column(String(254))
    email_on: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Notification(Base):
    """One entry of a person's in-app notification list. ``key`` makes a notice that a
    sweep writes (an authorization about to expire) unique, so it is never written twice."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(ID))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    __table_args__ = (Index("ix_notifications_person", "person_id", "id"),)


class OutboxMessage(Base):
    """An e-mail waiting to be sent, written in the transaction of its notification and
    marked sent by the sender (``credo notify send``). ``claimed_until``: a sender is
    sending it; another may take it over after that instant (the first one crashed)."""

    __tablename__ = "email_outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("ix_email_outbox_due", "next_attempt_at",
              sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
              postgresql_where=text("sent_at IS NULL AND failed_at IS NULL")),
    )


class Review(Base):
    """A person's request for a human to review their score, with their own statement;
    an operator confirms the score or withdraws it, with written reasons."""

    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open|confirmed|withdrawn
    # The score under review, as the person saw it when they asked.
    score_entry_id: Mapped[int | None] = mapped_column(BigId)
    score: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(20))
    as_of: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    points: Mapped[list[dict] | None] = mapped_column(JSON)  # points per feature, if known
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(ID))
    decision: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (  # one open review per person
        Index("uq_reviews_open_person", "person_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )
