"""Store fixtures: every test runs on SQLite and on a throwaway PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from credo.store import make_engine, upgrade
from tests.databases import database_for


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    return database_for(request.param, tmp_path, request)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    upgrade(e)
    yield e
    e.dispose()
