"""Push inbox: a source's pushed batches wait here until the inbox worker ingests them.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.store.models import UTCDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pushes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'ingesting', 'done', 'failed')",
                           name="ck_pushes_state"),
    )
    op.create_index("ix_pushes_state", "pushes", ["state", "received_at"])
    op.create_index("ix_pushes_source", "pushes", ["source_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_pushes_source", table_name="pushes")
    op.drop_index("ix_pushes_state", table_name="pushes")
    op.drop_table("pushes")
