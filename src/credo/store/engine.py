"""Engines and sessions for the operational store, and programmatic migrations.

SQLite (the embedded default) runs in WAL mode so readers never wait for the writer,
with a busy timeout so concurrent writers queue instead of failing; foreign keys are
switched on (SQLite leaves them off). PostgreSQL URLs use psycopg 3.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from credo.errors import ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_SECONDS = 30  # a writer waits this long for another's lock, then fails


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise ConfigError(
            f"invalid database URL {url[:80]!r}: use sqlite:///path/credo.db or "
            "postgresql://user@host:port/dbname (set CREDO_DATABASE_URL)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    else:
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
        )
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    _into_wal(cur)
    # FULL: each commit reaches the disk before it returns, so an answer given (a
    # partner read and its audit row, a grant, a decision) survives a power cut, not
    # only a crash of credo (NORMAL's promise). In WAL mode that is one fsync of the
    # log per commit, a quarter of a millisecond here.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cur.close()


def _into_wal(cursor: Any, seconds: float = SQLITE_BUSY_SECONDS) -> None:
    """WAL mode. While another connection is switching a new file to WAL, SQLite answers
    "database is locked" at once, without waiting as its busy timeout says (connections
    opening a fresh database side by side): try again for as long as that timeout."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision`` (idempotent). Returns the revision now in force."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise ConfigError(
            f"cannot reach the database {engine.url.render_as_string(hide_password=True)}: "
            f"{str(error.orig).strip().splitlines()[0] if error.orig else error}; "
            "check CREDO_DATABASE_URL and that the server is running"
        ) from None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
