from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from credo.config import Settings
from credo.data.lake import Lake
from credo.simulate.population import SimConfig, simulate

TRAIN_AS_OF = date(2024, 10, 1)
VALIDATE_AS_OF = date(2024, 11, 1)
RUN_AS_OF = date(2025, 1, 1)
NEXT_AS_OF = date(2025, 2, 1)


@dataclass
class World:
    settings: Settings
    lake: Lake


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    root: Path = tmp_path_factory.mktemp("governance-world")
    settings = Settings(home=root)
    lake = Lake(settings.lake)
    simulate(SimConfig(people=2500, months=30, seed=11, bad_share=0.0), lake, settings.truth)
    return World(settings, lake)


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
