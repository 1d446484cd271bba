"""Shared test settings and the session's PostgreSQL server."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from credo.store.pgtemp import server_for_tests

# Compiled kernels make the first example slow; deadlines would flag compilation.
# In CI the examples are derived from each test's name, so a run is reproducible.
settings.register_profile(
    "credo",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=60,
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("credo")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """One throwaway PostgreSQL server for the whole session (None if not installed)."""
    with server_for_tests() as url:
        yield url
