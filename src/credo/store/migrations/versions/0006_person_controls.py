"""The person's controls: freeze and fraud alert, notifications and their e-mail outbox,
human reviews.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN_ONLY = "status = 'open'"
UNSENT = "sent_at IS NULL AND failed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "person_controls",
        sa.Column("person_id", sa.String(128), sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("frozen_at", UTCDateTime(), nullable=True),
        sa.Column("fraud_alert_at", UTCDateTime(), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_on", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("key", sa.String(200), nullable=True, unique=True),
    )
    op.create_index("ix_notifications_person", "notifications", ["person_id", "id"])
    op.create_table(
        "email_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("notification_id", BigId, sa.ForeignKey("notifications.id"),
                  nullable=False, unique=True),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("failed_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_email_outbox_due", "email_outbox", ["next_attempt_at"],
                    sqlite_where=sa.text(UNSENT), postgresql_where=sa.text(UNSENT))
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(128), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("score_entry_id", BigId, nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(20), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=True),
        sa.Column("filed_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
    )
    op.create_index("ix_reviews_person_id", "reviews", ["person_id"])
    op.create_index("ix_reviews_status", "reviews", ["status"])
    op.create_index("uq_reviews_open_person", "reviews", ["person_id"], unique=True,
                    sqlite_where=sa.text(OPEN_ONLY), postgresql_where=sa.text(OPEN_ONLY))


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("email_outbox")
    op.drop_table("notifications")
    op.drop_table("person_controls")
