"""Model registry: every trained model, its training data, metrics and status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import credo.store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", credo.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("validate_as_of", sa.Date(), nullable=True),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("promoted_by", sa.String(length=128), nullable=True),
        sa.Column("promoted_at", credo.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("previous_champion", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("model_id"),
        sa.UniqueConstraint("version"),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_models_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_models_status"))
    op.drop_table("models")
