"""The layout of credo's home folder (``CREDO_HOME``): where each file lives.

One home for every path built under the home, so that writers and readers agree:

- ``models/champion.json``: the champion model, what ``credo run`` scores with;
- ``models/<model_id>.json``: every registered model's file.
"""

from __future__ import annotations

from pathlib import Path

from credo.config import Settings


def models_dir(settings: Settings) -> Path:
    return settings.home / "models"


def champion_path(settings: Settings) -> Path:
    return models_dir(settings) / "champion.json"


def model_path(settings: Settings, model_id: str) -> Path:
    return models_dir(settings) / f"{model_id}.json"
