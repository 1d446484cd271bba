"""A partner read is one round trip per thing it must do: check the key, read what it
needs about the person (authorization, freeze, e-mail wish, score in force) at once,
write its audit row and its notice. On PostgreSQL the round trips are the read's cost."""

from __future__ import annotations

from sqlalchemy import event

from .conftest import World


def statements_of(world: World, call) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def note(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(world.ctx.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(world.ctx.engine, "before_cursor_execute", note)
    return [s for s in seen if s in ("SELECT", "INSERT", "UPDATE", "DELETE")]


def test_a_granted_read_is_four_statements(world: World) -> None:
    world.grant()
    world.score()  # the first read of a connection may set it up
    read = statements_of(world, lambda: world.score().raise_for_status())
    assert read == ["SELECT", "SELECT", "INSERT", "INSERT"]


def test_a_yes_or_no_and_a_refusal_cost_the_same(world: World) -> None:
    world.grant(purpose="rental_deposit_waiver")
    world.threshold(600)
    check = statements_of(world, lambda: world.threshold(600).raise_for_status())
    refused = statements_of(world, lambda: world.threshold(600, pid="P3"))
    unknown = statements_of(world, lambda: world.threshold(600, pid="nobody"))
    assert check == refused == ["SELECT", "SELECT", "INSERT", "INSERT"]
    assert unknown == ["SELECT", "SELECT", "INSERT", "INSERT"]  # the notice finds no one
