from __future__ import annotations

import pytest

from tests.cli import invoke
from tests.worlds import NEXT_AS_OF, RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF, World, make_world

__all__ = ["NEXT_AS_OF", "RUN_AS_OF", "TRAIN_AS_OF", "VALIDATE_AS_OF", "World"]


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    return make_world(tmp_path_factory.mktemp("governance-world"))


@pytest.fixture
def cli(world: World, capsys, monkeypatch):
    """Runs ``credo ARGS`` in-process on the world's CREDO_HOME: (exit code, stdout)."""
    monkeypatch.setenv("CREDO_HOME", str(world.settings.home))
    monkeypatch.delenv("CREDO_DATABASE_URL", raising=False)
    monkeypatch.delenv("CREDO_LAKE", raising=False)

    def run(*args: object) -> tuple[int, str]:
        code, out, err = invoke(monkeypatch, capsys, *args)
        return code, out + err

    return run
