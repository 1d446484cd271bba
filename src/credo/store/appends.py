"""Rows a unit of work appends and never reads back: its audit row, a notice, a source's
pushed batch.

``append`` writes the row at once in the session's transaction, unless the session
belongs to a group-commit batch that gathers appends (``gathering``). Then the row waits
in the batch's list, and the batch writes each statement's rows with one execution
(``write``) after its last unit: a partner read's two rows cost two statements per batch
instead of two per read, and on SQLite the units read without the database's write
lock, which the batch takes only for those few statements, so two server processes read
side by side instead of one after the other. A unit cannot tell the difference as long
as it never reads what it or its batch appends: a partner read reads keys,
authorizations, controls and scores, never the audit log or notices.

A row that must happen in an order or needs something back (a notice with its e-mail)
is appended as a function of the connection, run after the gathered statements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Executable
from sqlalchemy.orm import Session

_KEY = "credo.appends"

Later = Callable[[Connection], object]


class Appends:
    """The rows a batch's units appended, by statement and in the order appended, and
    the calls to run after them."""

    def __init__(self) -> None:
        self.rows: dict[Executable, list[Mapping[str, Any]]] = {}
        self.calls: list[Later] = []

    def __len__(self) -> int:
        return sum(len(v) for v in self.rows.values()) + len(self.calls)


def gathering(appends: Appends) -> dict[str, Appends]:
    """The ``info`` of a session whose appends wait in ``appends``."""
    return {_KEY: appends}


def append(session: Session, statement: Executable, values: Mapping[str, Any]) -> None:
    """Execute ``statement`` with ``values`` in the session's transaction, now or with
    its batch's others."""
    gathered: Appends | None = session.info.get(_KEY)
    connection = session.connection()  # joined, so that a rollback reaches the batch
    if gathered is None:
        connection.execute(statement, values)
    else:
        gathered.rows.setdefault(statement, []).append(values)


def append_call(session: Session, call: Later) -> None:
    """Run ``call`` on the session's connection, now or after its batch's statements."""
    gathered: Appends | None = session.info.get(_KEY)
    connection = session.connection()
    if gathered is None:
        call(connection)
    else:
        gathered.calls.append(call)


def write(connection: Connection, appends: Appends) -> None:
    """Each gathered statement once, with all its rows; then the gathered calls."""
    for statement, rows in appends.rows.items():
        connection.execute(statement, rows if len(rows) > 1 else rows[0])
    for call in appends.calls:
        call(connection)
