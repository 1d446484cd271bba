from __future__ import annotations

import sys

import pytest

from tests.worlds import NEXT_AS_OF, RUN_AS_OF, TRAIN_AS_OF, VALIDATE_AS_OF, World, make_world

__all__ = ["NEXT_AS_OF", "RUN_AS_OF", "TRAIN_AS_OF", "VALIDATE_AS_OF", "World"]


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    return make_world(tmp_path_factory.mktemp("governance-world"))


@pytest.fixture
def cli(world: World, capsys, monkeypatch):
    """Runs ``credo ARGS`` in-process on the world's CREDO_HOME: (exit code, stdout)."""
    from credo.cli import main

    monkeypatch.setenv("CREDO_HOME", str(world.settings.home))
    monkeypatch.delenv("CREDO_DATABASE_URL", raising=False)
    monkeypatch.delenv("CREDO_LAKE", raising=False)

    def run(*args: object) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["credo", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return code, out + err

    return run
