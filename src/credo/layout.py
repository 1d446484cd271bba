"""The layout of credo's home folder (``CREDO_HOME``): where each file lives.

One home for every path built under the home, so that writers and readers agree:

- ``models/champion.json``: the champion model, what ``credo run`` scores with;
- ``models/<model_id>.json``: every registered model's file;
- ``scores/as_of=YYYY-MM-DD/``: a monthly run's folder: its score snapshot
  ``scores.parquet`` and its ``manifest.json``;
- ``features/as_of=YYYY-MM-DD/features.parquet``: the features a run scored.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from credo.config import Settings

# A month's folder is named after its as-of date, the same way for scores and features.
AS_OF_PREFIX = "as_of="
SCORES_FILE = "scores.parquet"
MANIFEST_FILE = "manifest.json"


def models_dir(settings: Settings) -> Path:
    return settings.home / "models"


def champion_path(settings: Settings) -> Path:
    return models_dir(settings) / "champion.json"


def model_path(settings: Settings, model_id: str) -> Path:
    return models_dir(settings) / f"{model_id}.json"


def as_of_folder(as_of: date) -> str:
    """The name of a month's folder: ``as_of=YYYY-MM-DD``."""
    return f"{AS_OF_PREFIX}{as_of}"


def folder_date(folder: Path) -> date:
    """The as-of date a month's folder is named after (the reverse of as_of_folder)."""
    return date.fromisoformat(folder.name.removeprefix(AS_OF_PREFIX))


def runs_dir(settings: Settings) -> Path:
    return settings.home / "scores"


def run_dir(settings: Settings, as_of: date) -> Path:
    """A monthly run's folder: ``scores/as_of=YYYY-MM-DD``."""
    return runs_dir(settings) / as_of_folder(as_of)


def scores_path(settings: Settings, as_of: date) -> Path:
    return run_dir(settings, as_of) / SCORES_FILE


def run_folders(settings: Settings) -> list[Path]:
    """Every finished run's folder (one holding its manifest), oldest first."""
    root = runs_dir(settings)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.name.startswith(AS_OF_PREFIX) and (p / MANIFEST_FILE).exists())


def features_path(settings: Settings, as_of: date) -> Path:
    return settings.home / "features" / as_of_folder(as_of) / "features.parquet"
