"""Settings: where the event lake lives, which database, which engine, which currency.

Read from environment variables (``CREDO_HOME``, ``CREDO_LAKE``, ``CREDO_DATABASE_URL``,
``CREDO_ENGINE``, ``CREDO_PARTITION_PEOPLE``, ``CREDO_CURRENCY``) with embedded
defaults, so that credo runs with no server to install: a folder ``./credo-data``
holding the Parquet lake and a SQLite database. E-mail is sent only when an SMTP server
is configured (``CREDO_SMTP_HOST`` and the other ``CREDO_SMTP_*`` variables, see
``SmtpSettings``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from credo.errors import ConfigError
from credo.money import DEFAULT_CURRENCY, check_currency

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


SMTP_SECURITY = ("starttls", "tls", "none")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_ADDRESS = re.compile(r"^[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,253}$")


def _host(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(value))


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server notifications are sent through (``credo notify send``).

    ``security``: ``starttls`` (upgrade a plain connection, port 587), ``tls`` (TLS from
    the start, port 465) or ``none`` (a local relay only). ``username`` and ``password``
    log in when both are given.
    """

    host: str
    port: int = 587
    sender: str = "credo@localhost"
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not _host(self.host):
            raise ConfigError(f"CREDO_SMTP_HOST {self.host[:80]!r} is not a host name or "
                              "an IP address: set it to your mail server, e.g. smtp.example.org")
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"CREDO_SMTP_PORT {self.port}: choose a port from 1 to 65535 "
                              "(587 for STARTTLS, 465 for TLS, 25 for a local relay)")
        if not _ADDRESS.match(self.sender):
            raise ConfigError(f"CREDO_SMTP_FROM {self.sender[:80]!r}: give the address "
                              "notices are sent from, e.g. credo@example.org")
        if self.security not in SMTP_SECURITY:
            raise ConfigError(f"CREDO_SMTP_SECURITY {self.security[:40]!r}: choose one of "
                              f"{', '.join(SMTP_SECURITY)}")
        if (self.username is None) != (self.password is None):
            raise ConfigError("set both CREDO_SMTP_USER and CREDO_SMTP_PASSWORD to log in to "
                              "the mail server, or neither")

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        """The server from ``CREDO_SMTP_*``; None when ``CREDO_SMTP_HOST`` is unset."""
        host = os.environ.get("CREDO_SMTP_HOST", "").strip()
        if not host:
            return None
        raw_port = os.environ.get("CREDO_SMTP_PORT", "").strip() or str(cls.port)
        if not raw_port.isdigit() or len(raw_port) > 5:
            raise ConfigError(f"CREDO_SMTP_PORT {raw_port[:40]!r} is not a port number: "
                              "choose one from 1 to 65535")
        return cls(host=host, port=int(raw_port),
                   sender=os.environ.get("CREDO_SMTP_FROM", "").strip() or f"credo@{host}",
                   security=os.environ.get("CREDO_SMTP_SECURITY", "").strip() or "starttls",
                   username=os.environ.get("CREDO_SMTP_USER") or None,
                   password=os.environ.get("CREDO_SMTP_PASSWORD") or None)


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
    smtp: SmtpSettings | None = None  # None: no e-mail is sent (the in-app list still is)
    partition_people: int = PARTITION_PEOPLE
    # The lake's reporting currency: the one its amounts are in, in which aggregates
    # (a bin of monthly income, a reason) are worded (see credo.money).
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        check_currency(self.currency)
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
            smtp=SmtpSettings.from_env(),
            partition_people=_whole(os.environ.get("CREDO_PARTITION_PEOPLE"), PARTITION_PEOPLE),
            currency=os.environ.get("CREDO_CURRENCY", "").strip() or DEFAULT_CURRENCY,
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
