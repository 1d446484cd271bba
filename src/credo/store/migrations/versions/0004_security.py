"""Security: login backoff, console sessions on the server, no REPLACE in the audit log.

``login_failures``: failed logins per person id and per client address (keyed hashes),
for the exponential backoff.

``operator_sessions``: an operator's console sessions, stored as keyed hashes like a
person's tokens, ended by signing out or by revoking the key they were opened with.

On SQLite, ``INSERT OR REPLACE`` / ``REPLACE INTO`` over an existing id deletes the old
row and inserts the new one, and the BEFORE DELETE trigger does not fire for that
delete unless recursive triggers are on: a BEFORE INSERT trigger refusing an id that
is already there closes it whatever the connection's settings. (On PostgreSQL a
duplicate id fails on the primary key, and ``ON CONFLICT DO UPDATE`` runs the UPDATE
trigger.)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import credo.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", credo.store.models.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("blocked_until", credo.store.models.UTCDateTime(timezone=True),
                  nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_last_failed_at"),
                              ["last_failed_at"], unique=False)
    op.create_table(
        "operator_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("created_at", credo.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", credo.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_sessions_operator_id"), ["operator_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_operator_sessions_key_id"), ["key_id"],
                              unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_sessions_key_id"))
        batch_op.drop_index(batch_op.f("ix_operator_sessions_operator_id"))
    op.drop_table("operator_sessions")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_last_failed_at"))
    op.drop_table("login_failures")
