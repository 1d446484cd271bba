"""The operational store: partners, keys, people, authorizations, scores, audit, disputes.

SQLAlchemy 2 over SQLite (WAL, the embedded default) or PostgreSQL, with Alembic
migrations shipped in the package (``credo db upgrade``; ``credo serve`` runs them).
"""

from credo.store.engine import make_engine, session_factory, upgrade

__all__ = ["make_engine", "session_factory", "upgrade"]
