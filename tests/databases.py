"""The databases the store and service tests run on: SQLite and a throwaway PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from credo.store.pgtemp import create_database


def database_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database URL on ``backend`` (one PostgreSQL server serves the session)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'credo.db'}"
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("PostgreSQL is not installed (run scripts/system-deps.sh); "
                    "in CI this is an error")
    return create_database(server)
