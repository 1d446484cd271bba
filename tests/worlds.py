"""Small simulated populations for tests that need a lake: 2,500 people, 30 months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

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


def make_world(root: Path, people: int = 2500, seed: int = 11) -> World:
    settings = Settings(home=root)
    lake = Lake(settings.lake)
    simulate(SimConfig(people=people, months=30, seed=seed, bad_share=0.0), lake,
             settings.truth)
    return World(settings, lake)
