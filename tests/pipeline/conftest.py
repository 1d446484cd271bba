from __future__ import annotations

import pytest

from credo.features.engines import DuckDBEngine
from tests.worlds import RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF, World, make_world

__all__ = ["RUN_AS_OF", "TRAIN_AS_OF", "VALIDATE_AS_OF", "World"]


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    return make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def duckdb_engine():
    engine = DuckDBEngine(memory_limit="2GB")
    yield engine
    engine.close()
