"""Service settings beyond ``credo.config.Settings``: limits and secrets, from the env.

``CREDO_RATE_PER_SECOND`` / ``CREDO_RATE_BURST``: each API key (and each client address
for the login endpoints) gets a token bucket of ``burst`` requests refilled at
``per_second``; an empty bucket answers 429 with Retry-After. In-process: with several
server processes each keeps its own buckets (put a shared limiter in front if needed).
``CREDO_PEPPER``: the secret mixed into key and token hashes (else a file in CREDO_HOME).
``CREDO_DB_THREADS``: how many threads of one server process commit partner reads, each
a group of the reads waiting at a time (``credo.store.group_commit``); default 1 on
SQLite, which writes one transaction at a time anyway, and 2 on a database server: while
one thread waits for its group's commit, the other runs the next group's statements.
More threads made smaller groups, each paying its own round trips and commit: with 4,
partner reads at 16 clients cost the server 1.81 ms of CPU each against 1.60 with 2,
and 767 against 909 were answered a second (PostgreSQL on the same 2-core machine, five
alternating pairs of runs). A database reached over a slower network may want more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

from credo.errors import ConfigError

N = TypeVar("N", int, float)

DB_SERVER_THREADS = 2  # CREDO_DB_THREADS's default on PostgreSQL (see above)


def _num(name: str, default: float) -> float:
    value = _from_env(name, float, "a number")
    if value is None:
        return default
    if not value > 0:
        raise ConfigError(f"{name}={os.environ[name]!r}: must be positive")
    return value


def _count(name: str) -> int | None:
    value = _from_env(name, int, "a whole number, like 2")
    if value is not None and not 1 <= value <= 64:
        raise ConfigError(f"{name}={os.environ[name]!r}: must be from 1 to 64")
    return value


def _from_env(name: str, kind: type[N], expected: str) -> N | None:
    """The variable read as ``kind``; None when it is unset or empty."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected {expected}") from None


@dataclass(frozen=True)
class ServiceConfig:
    rate_per_second: float = 20.0
    rate_burst: float = 40.0
    max_body_bytes: int = 64 * 1024
    max_ingest_bytes: int = 8 * 1024 * 1024
    max_ingest_records: int = 10_000
    token_hours: float = 12.0
    pepper: str | None = None
    db_threads: int | None = None  # None: chosen from the database (see the module text)

    @classmethod
    def from_env(cls) -> ServiceConfig:
        return cls(
            rate_per_second=_num("CREDO_RATE_PER_SECOND", cls.rate_per_second),
            rate_burst=_num("CREDO_RATE_BURST", cls.rate_burst),
            pepper=os.environ.get("CREDO_PEPPER") or None,
            db_threads=_count("CREDO_DB_THREADS"),
        )

