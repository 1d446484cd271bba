"""The operational store: partners, keys, people, authorizations, scores, audit, disputes.

SQLAlchemy 2 over SQLite (WAL, the embedded default) or PostgreSQL, with Alembic
migrations shipped in the package (``credo db upgrade``; ``credo serve`` runs them).
``excluded_records`` is what the feature pipeline asks for the disputed records to
leave out of scoring.
"""

from credo.store.engine import make_engine, session_factory, upgrade
from credo.store.exclusions import excluded_records, excluded_records_for

__all__ = [
    "excluded_records",
    "excluded_records_for",
    "make_engine",
    "session_factory",
    "upgrade",
]
