"""Reading the rows a domain owns: one person's disputes or reviews, one source's
pushed batches. Another owner's row is "not found", never "forbidden": an answer must
not tell who else has a row of that id."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from credo.service.errors import InvalidRequestError, NotFoundError

Row = TypeVar("Row")


def owned(session: Session, model: type[Row], row_id: str, owner: InstrumentedAttribute[Any],
          owner_id: str, missing: str) -> Row:
    """The row ``row_id`` of ``model`` if ``owner`` (its owner column) is ``owner_id``;
    else ``NotFoundError(missing)``."""
    row = session.get(model, row_id)
    if row is None or getattr(row, owner.key) != owner_id:
        raise NotFoundError(missing)
    return row


def with_status(stmt: Select[Any], column: InstrumentedAttribute[Any], status: str | None,
                statuses: tuple[str, ...]) -> Select[Any]:
    """``stmt`` narrowed to one status, checked against the domain's ``statuses``."""
    if status is None:
        return stmt
    if status not in statuses:
        raise InvalidRequestError(f"status: choose one of {', '.join(statuses)}")
    return stmt.where(column == status)
