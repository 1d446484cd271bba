"""Settings: where the event lake lives, which database, which engine.

Read from environment variables (``CREDO_HOME``, ``CREDO_LAKE``, ``CREDO_DATABASE_URL``,
``CREDO_ENGINE``) with embedded defaults, so that credo runs with no server to install:
a folder ``./credo-data`` holding the Parquet lake and a SQLite database.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from credo.errors import ConfigError

ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"
# The master URLs Spark itself accepts: local mode, a standalone cluster (one master or
# several for failover), YARN or Kubernetes.
_SPARK_MASTER = re.compile(
    r"local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?"
    r"|spark://[A-Za-z0-9.\-]+:[0-9]{1,5}(,[A-Za-z0-9.\-]+:[0-9]{1,5})*"
    r"|yarn|k8s://https?://\S+"
)


def check_spark_master(master: str, source: str = "--spark-master") -> str:
    """``master`` if Spark would accept it, else a ConfigError naming the forms that are."""
    ports = [int(p) for p in re.findall(r":([0-9]{1,5})(?=,|$)", master)]
    if _SPARK_MASTER.fullmatch(master) and all(0 < p < 65536 for p in ports):
        return master
    raise ConfigError(
        f"{source} {master!r} is not a Spark master: give spark://HOST:PORT for a standalone "
        "cluster (e.g. spark://10.0.0.5:7077), local[N] to run in this process, yarn, or "
        "k8s://https://HOST:PORT"
    )


def spark_master_from_env() -> str:
    """The cluster ``--engine spark`` connects to: CREDO_SPARK_MASTER, or local mode."""
    master = os.environ.get("CREDO_SPARK_MASTER") or DEFAULT_SPARK_MASTER
    return check_spark_master(master, "CREDO_SPARK_MASTER")


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path("credo-data"))
    lake_path: Path | None = None
    database_url: str | None = None
    engine: str = "duckdb"

    def __post_init__(self) -> None:
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
        )
