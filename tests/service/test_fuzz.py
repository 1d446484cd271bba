"""Fuzz the whole API from its OpenAPI document: no request may cause a 5xx.

Each operation is called with generated (valid and invalid) input, both anonymously and
with the credentials its security scheme names, so the checks run past authentication.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .conftest import World, build_world

# Schemathesis needs the app when the tests are collected, so the world is built here
# and removed by the module fixture below.
_HOME = Path(tempfile.mkdtemp(prefix="credo-fuzz-"))
_WORLD = build_world(_HOME, f"sqlite:///{_HOME / 'credo.db'}")
schema = schemathesis.openapi.from_asgi("/openapi.json", _WORLD.client.app)


@pytest.fixture(scope="module", autouse=True)
def fuzz_world() -> Iterator[World]:
    _WORLD.grant("P1", "pt-a", "loan")
    yield _WORLD
    _WORLD.client.close()
    _WORLD.ctx.close()
    shutil.rmtree(_HOME, ignore_errors=True)


def _headers(case: schemathesis.Case, w: World) -> dict[str, str]:
    path = case.operation.path
    if path.startswith("/v1/me") or path.startswith("/v1/people"):
        return w.person("P1")
    if path.startswith("/v1/operator"):
        return w.operator()
    if path.startswith("/v1/sources"):
        return w.source()
    return w.partner("A")


@schema.parametrize()
@settings(max_examples=20, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers=_headers(case, _WORLD))
    assert response.status_code < 500, (case.method, case.path, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json")
