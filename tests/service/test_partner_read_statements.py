"""A partner read asks the database once for the key and what it needs about the person
(authorization, freeze, e-mail wish, score in force), and its group writes its audit row
and its notice. On PostgreSQL the round trips are the read's cost."""

from __future__ import annotations

from sqlalchemy import event

from credo.service.deps import presented_digest

from .conftest import World


def statements_of(world: World, call) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def note(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        first = statement.split(None, 1)[0].upper()
        seen.append("SELECT" if first == "WITH" else first)  # a query naming its rows first

    event.listen(world.ctx.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(world.ctx.engine, "before_cursor_execute", note)
    return [s for s in seen if s in ("SELECT", "INSERT", "UPDATE", "DELETE")]


def test_a_granted_read_is_three_statements(world: World) -> None:
    world.grant()
    world.score()  # the first read of a connection may set it up
    read = statements_of(world, lambda: world.score().raise_for_status())
    assert read == ["SELECT", "INSERT", "INSERT"]


def test_a_yes_or_no_and_a_refusal_cost_the_same(world: World) -> None:
    world.grant(purpose="rental_deposit_waiver")
    world.threshold(600)
    check = statements_of(world, lambda: world.threshold(600).raise_for_status())
    refused = statements_of(world, lambda: world.threshold(600, pid="P3"))
    unknown = statements_of(world, lambda: world.threshold(600, pid="nobody"))
    assert check == refused == ["SELECT", "INSERT", "INSERT"]
    assert unknown == ["SELECT", "INSERT", "INSERT"]  # the notice finds no one


def test_reads_waiting_together_write_their_rows_with_one_statement_each(
        world: World) -> None:
    """A batch of eight reads: the batch reads what they all need with one statement, and
    writes all their audit rows with one statement and all their notices with another."""
    import threading
    from functools import partial

    from credo.service.errors import ProblemError
    from credo.service.scores.router import _lookup_ahead, _read_score
    from credo.service.scores.schemas import ScoreRequest
    from credo.store.group_commit import GroupCommitter

    world.grant()
    world.score()
    # one thread, so that the reads queued behind the first unit are one batch
    committer = GroupCommitter(world.ctx.engine, threads=1, expected=(ProblemError,))
    digest = presented_digest(world.ctx, "partner", world.partner()["X-API-Key"])
    ask = ScoreRequest(person_id="P1", purpose="loan")
    go, started = threading.Event(), threading.Event()

    def first(_session) -> None:  # type: ignore[no-untyped-def]
        started.set()
        go.wait(10)

    def batch() -> None:
        head = committer.submit(first)
        assert started.wait(10)
        reads = [committer.submit(partial(_read_score, ask, digest),
                                  _lookup_ahead(digest, ask)) for _ in range(8)]
        go.set()
        head.result(10)
        assert [r.result(10).score for r in reads] == [reads[0].result().score] * 8

    try:
        seen = statements_of(world, batch)
    finally:
        committer.close()
    assert seen == ["SELECT", "INSERT", "INSERT"]


def test_a_small_push_waiting_beside_reads_is_kept_with_their_rows(world: World) -> None:
    """A source's one-record push shares the partner reads' batch: inside it, it only
    reads (its key, its waiting batches), and its row and audit row are written with
    the batch's, after every unit has read: on SQLite the write lock is taken once, for
    the batch's writes, never in the middle of another read."""
    import threading
    from functools import partial

    from credo.service.errors import ProblemError
    from credo.service.scores.router import _lookup_ahead, _read_score
    from credo.service.scores.schemas import ScoreRequest
    from credo.service.sources.router import _keep
    from credo.service.sources.schemas import PushIn
    from credo.store.group_commit import GroupCommitter
    from credo.store.models import AuditEvent, Push

    from .test_inbox import STATEMENT

    world.grant()
    world.score()
    committer = GroupCommitter(world.ctx.engine, threads=1, expected=(ProblemError,))
    digest = presented_digest(world.ctx, "partner", world.partner()["X-API-Key"])
    source_key = world.source()["X-API-Key"]
    go, started = threading.Event(), threading.Event()

    def first(_session) -> None:  # type: ignore[no-untyped-def]
        started.set()
        go.wait(10)

    kept = []

    def batch() -> None:
        head = committer.submit(first)
        assert started.wait(10)
        ask = ScoreRequest(person_id="P1", purpose="loan")
        read = partial(_read_score, ask, digest)
        units = [committer.submit(read, _lookup_ahead(digest, ask)),
                 committer.submit(partial(_keep, world.ctx, PushIn(
                     kind="statement", records=[{**STATEMENT}]), source_key)),
                 committer.submit(read, _lookup_ahead(digest, ask))]
        go.set()
        head.result(10)
        kept.append(units[1].result(10))
        assert units[0].result(10).score == units[2].result(10).score

    try:
        seen = statements_of(world, batch)
    finally:
        committer.close()
    first_write = seen.index("INSERT")
    assert "INSERT" not in seen[:first_write] and set(seen[first_write:]) == {"INSERT"}
    assert seen.count("INSERT") == 3  # pushes, audit rows, notices: one statement each
    with world.ctx.session() as s:
        push = s.get(Push, kept[0].id)
        assert push is not None and push.state == "pending" and push.record_count == 1
        assert s.query(AuditEvent).filter(AuditEvent.action == "records.push").count() == 1


def test_a_batchs_lookups_read_each_persons_rows_by_index_on_postgresql(world: World) -> None:
    """The statement a batch's lookups share, planned as PostgreSQL plans a prepared
    statement after its fifth run (one plan for any parameters), reads each lookup's
    authorization and latest score by index: joined by id, the planner hashed the whole
    tables of 2,000 people's rows at every batch (5 ms against 0.4)."""
    import uuid
    from datetime import date, timedelta

    import psycopg
    import pytest
    from sqlalchemy import insert, text

    from credo.service.scores.logic import _partner_reads_statement
    from credo.store.models import Authorization, Person, ScoreRecord, now

    if world.ctx.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    people = [f"plan-{k:05d}" for k in range(2000)]
    with world.ctx.engine.begin() as connection:
        connection.execute(insert(Person), [{"id": p} for p in people])
        connection.execute(insert(Authorization), [
            {"id": str(uuid.uuid4()), "person_id": p, "partner_id": "pt-a", "purpose": purpose,
             "scope": "score", "expires_at": now() + timedelta(days=30)}
            for p in people for purpose in ("loan", "rental_deposit_waiver")])
        connection.execute(insert(ScoreRecord), [
            {"person_id": p, "as_of": date(2026, 1, 1), "status": "published", "score": 700,
             "band": "good", "run_id": "run-1"} for p in people])
        connection.execute(text("ANALYZE"))
    digest = presented_digest(world.ctx, "partner", world.partner()["X-API-Key"])
    values = {"at": now(), "role": "partner"} | {
        f"n{i}_{name}": value for i in range(8)
        for name, value in (("digest", digest), ("person_id", people[i * 7]), ("purpose", "loan"))}
    with world.ctx.engine.connect() as connection:
        compiled = _partner_reads_statement(8, True).compile(dialect=connection.dialect)
        parameters = compiled.construct_params(values)
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = psycopg.ClientCursor(raw)  # the parameters written into the statements
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        names = list(parameters)
        cursor.execute("PREPARE batch_lookups AS " + str(compiled) % {
            name: f"${k + 1}" for k, name in enumerate(names)})
        plan = "\n".join(row[0] for row in cursor.execute(
            f"EXPLAIN EXECUTE batch_lookups({', '.join(['%s'] * len(names))})",
            [parameters[name] for name in names]))
        assert "Seq Scan on score_history" not in plan, plan
        assert "Seq Scan on authorizations" not in plan, plan
        assert "Index Scan Backward using ix_score_history_person" in plan, plan
