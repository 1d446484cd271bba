"""Settings: where the event lake lives, which database, which engine.

Read from environment variables (``CREDO_HOME``, ``CREDO_LAKE``, ``CREDO_DATABASE_URL``,
``CREDO_ENGINE``, ``CREDO_PARTITION_PEOPLE``) with embedded defaults, so that credo runs
with no server to install: a folder ``./credo-data`` holding the Parquet lake and a
SQLite database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from credo.errors import ConfigError

ENGINES = ("duckdb", "spark")
# People whose features and scores are computed together: the monthly run's memory
# depends on this, not on the population (about 2.1 GB peak at 25,000, 4.4 GB at
# 100,000 on the simulated lake).
PARTITION_PEOPLE = 25_000


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path("credo-data"))
    lake_path: Path | None = None
    database_url: str | None = None
    engine: str = "duckdb"
    partition_people: int = PARTITION_PEOPLE

    def __post_init__(self) -> None:
        size = self.partition_people
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(
                f"CREDO_PARTITION_PEOPLE {size!r}: give a whole number of "
                f"people of at least 1 (default {PARTITION_PEOPLE:,})"
            )
        if self.engine not in ENGINES:
            raise ConfigError(
                f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)} "
                "(set CREDO_ENGINE or pass --engine)"
            )
        # Folders are made on first use; a file in their place would end in a traceback.
        for variable, path in (("CREDO_HOME", self.home), ("CREDO_LAKE", self.lake_path)):
            if path is not None and path.exists() and not path.is_dir():
                raise ConfigError(
                    f"{variable} {str(path)!r} is a file, not a folder: point {variable} "
                    "at a folder (it is made if missing)"
                )

    @property
    def lake(self) -> Path:
        return self.lake_path or self.home / "lake"

    @property
    def truth(self) -> Path:
        """Simulator ground truth and protected attributes: never read as features."""
        return self.home / "truth"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'credo.db').as_posix()}"

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("CREDO_HOME", "credo-data"))
        lake = os.environ.get("CREDO_LAKE")
        return cls(
            home=home,
            lake_path=Path(lake) if lake else None,
            database_url=os.environ.get("CREDO_DATABASE_URL") or None,
            engine=os.environ.get("CREDO_ENGINE", "duckdb"),
            partition_people=_whole(os.environ.get("CREDO_PARTITION_PEOPLE"), PARTITION_PEOPLE),
        )


def _whole(text: str | None, default: int) -> int:
    if not text:
        return default
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise ConfigError(
            f"CREDO_PARTITION_PEOPLE {text!r} is not a whole number: give the people per "
            f"partition, e.g. {default}"
        ) from None
