"""Alembic environment: run with a connection handed in by ``credo.store.upgrade``."""

from __future__ import annotations

from alembic import context

from credo.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only programmatic use is supported
    raise RuntimeError("run migrations with `credo db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER much
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
