"""The rows a domain owns: one person's disputes or reviews, one source's pushed
batches, read by their owner (another owner's row is "not found", never "forbidden": an
answer must not tell who else has a row of that id) and decided by an operator."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from credo.service.errors import ConflictError, InvalidRequestError, NotFoundError

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


def decide_open(session: Session, model: Any, row_id: str, values: dict[str, Any], *,
                name: str, list_hint: str) -> str:
    """Move an open case (a dispute, a review) out of ``open`` with ``values``, in one
    conditional UPDATE; returns its person. Of two deciders the loser gets 409, saying
    what the case became; an unknown id is 404. ``name`` names the case in the answers,
    ``list_hint`` says where the open ones are listed."""
    person_id = session.execute(
        update(model).where(model.id == row_id, model.status == "open").values(**values)
        .returning(model.person_id).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if person_id is not None:
        return str(person_id)
    session.rollback()
    found = session.get(model, row_id)
    if found is None:
        raise NotFoundError(f"no {name} {row_id!r}; list them with {list_hint}")
    raise ConflictError(f"{name} {row_id} was already {found.status}; list the open ones "
                        f"with {list_hint}")
