"""A session on an engine, for scripts and tests that hold only an engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from credo.store.engine import session_factory


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s
