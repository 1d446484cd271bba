"""At most one champion model: a partial unique index on the registry's status.

Promotions and rollbacks are conditional transitions; this index makes the store itself
refuse a second champion, so two operators promoting different models at once (even
when there was no champion before) cannot both win.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_models_one_champion", "models", ["status"], unique=True,
                    sqlite_where=sa.text("status = 'champion'"),
                    postgresql_where=sa.text("status = 'champion'"))


def downgrade() -> None:
    op.drop_index("uq_models_one_champion", table_name="models")
