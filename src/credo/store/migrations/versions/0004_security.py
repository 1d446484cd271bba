"""Security: the audit log refuses REPLACE over an existing row.

On SQLite, ``INSERT OR REPLACE`` / ``REPLACE INTO`` over an existing id deletes the old
row and inserts the new one, and the BEFORE DELETE trigger does not fire for that
delete unless recursive triggers are on: a BEFORE INSERT trigger refusing an id that
is already there closes it whatever the connection's settings. (On PostgreSQL a
duplicate id fails on the primary key, and ``ON CONFLICT DO UPDATE`` runs the UPDATE
trigger.)

Revision ID: 0004
Revises: 0002 (to be re-pointed at 0003 when both are merged)
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
