"""Store fixtures: every test runs on SQLite and on a throwaway PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from credo.store import make_engine, upgrade
from credo.store.pgtemp import create_database, server_for_tests


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    with server_for_tests() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'credo.db'}"
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("PostgreSQL is not installed (run scripts/system-deps.sh); "
                    "in CI this is an error")
    return create_database(server)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    upgrade(e)
    yield e
    e.dispose()
