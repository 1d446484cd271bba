"""Group commit on SQLite and PostgreSQL: units waiting together share one commit, each
answer comes after its rows are durable, an expected error keeps its unit's rows, and
anything else runs every unit of the batch alone, so no row is lost or written twice; the
reads its units need first are made once for the batch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pytest
from sqlalchemy import Engine, create_engine, event, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from credo.store import audit
from credo.store.group_commit import Ahead, GroupCommitter, ahead_of
from credo.store.models import AuditEvent


class RefusedError(Exception):
    """An answer the logic gives by raising, after committing its audit row."""


def rows(engine: Engine, action: str) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == action)) or 0


def writes(action: str, *, then: Callable[[], object] = lambda: None) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        audit.record(session, actor_role="partner", actor_id="pt-1", action=action,
                     outcome="granted")
        session.commit()
        then()
        return action

    return work


@pytest.fixture
def committer(engine: Engine) -> Iterator[GroupCommitter]:
    c = GroupCommitter(engine, threads=1, expected=(RefusedError,))
    yield c
    c.close()


@pytest.fixture
def commits(engine: Engine) -> list[int]:
    seen: list[int] = []
    event.listen(engine, "commit", lambda _conn: seen.append(1))
    return seen


Unit = Callable[[Session], object]


def held_batch(committer: GroupCommitter, units: list[Unit | tuple[Unit, Ahead | None]],
               meanwhile: Callable[[list[Future]], object] = lambda _rest: None,
               ) -> tuple[Future, list[Future]]:
    """A first unit that waits until the others are queued, then the others (each alone
    or with its read ahead): they are one batch. ``meanwhile`` sees the others' futures
    before the first lets go."""
    go = threading.Event()
    started = threading.Event()

    def first(session: Session) -> str:
        started.set()
        go.wait(10)
        return "first"

    head = committer.submit(first)
    assert started.wait(10)
    rest = [committer.submit(*u) if isinstance(u, tuple) else committer.submit(u)
            for u in units]
    meanwhile(rest)
    go.set()
    return head, rest


def test_units_queued_together_are_answered_after_one_commit(
        engine: Engine, committer: GroupCommitter, commits: list[int]) -> None:
    head, rest = held_batch(committer, [writes(f"read.{i}") for i in range(20)])
    assert head.result(10) == "first"
    assert [f.result(10) for f in rest] == [f"read.{i}" for i in range(20)]
    assert sum(rows(engine, f"read.{i}") for i in range(20)) == 20
    # the first unit alone, then the twenty queued behind it together
    assert committer.batches == 2
    assert len(commits) == 2


def test_an_answer_is_given_only_once_its_rows_are_durable(
        engine: Engine, committer: GroupCommitter) -> None:
    seen_at_answer: list[int] = []
    answered = threading.Event()

    def on_answer(_f: Future) -> None:  # runs as the answer is given, on its thread
        seen_at_answer.append(rows(engine, "durable"))
        answered.set()

    _, [future] = held_batch(committer, [writes("durable")],  # the callback on in time
                             meanwhile=lambda rest: rest[0].add_done_callback(on_answer))
    assert future.result(10) == "durable"
    assert answered.wait(10)
    assert seen_at_answer == [1]


def test_an_expected_error_keeps_its_rows_and_the_batch(
        engine: Engine, committer: GroupCommitter, commits: list[int]) -> None:
    def refused() -> None:
        raise RefusedError("no authorization")

    head, rest = held_batch(committer, [writes("ok.1"), writes("refused", then=refused),
                                        writes("ok.2")])
    head.result(10)
    assert rest[0].result(10) == "ok.1" and rest[2].result(10) == "ok.2"
    with pytest.raises(RefusedError, match="no authorization"):
        rest[1].result(10)
    assert (rows(engine, "ok.1"), rows(engine, "refused"), rows(engine, "ok.2")) == (1, 1, 1)
    assert committer.batches == 2


def test_an_unexpected_error_runs_each_unit_alone_and_no_row_is_doubled(
        engine: Engine, committer: GroupCommitter) -> None:
    def broken() -> None:
        raise ZeroDivisionError("a bug")

    head, rest = held_batch(committer, [writes("before"), writes("broken", then=broken),
                                        writes("after")])
    head.result(10)
    assert rest[0].result(10) == "before" and rest[2].result(10) == "after"
    with pytest.raises(ZeroDivisionError):
        rest[1].result(10)
    # Alone, the broken unit committed its row before failing, as it would have without
    # batching; the others' rows are there once, not once per attempt.
    assert (rows(engine, "before"), rows(engine, "broken"), rows(engine, "after")) == (1, 1, 1)


def test_a_unit_that_rolls_back_ends_the_batch_and_the_others_still_land(
        engine: Engine, committer: GroupCommitter) -> None:
    def rolls_back(session: Session) -> str:
        audit.record(session, actor_role="partner", actor_id="pt-1", action="undone",
                     outcome="granted")
        session.rollback()
        return "undone"

    head, rest = held_batch(committer, [writes("kept.1"), rolls_back, writes("kept.2")])
    head.result(10)
    assert [f.result(10) for f in rest] == ["kept.1", "undone", "kept.2"]
    assert (rows(engine, "kept.1"), rows(engine, "undone"), rows(engine, "kept.2")) == (1, 0, 1)


def test_many_callers_at_once_each_get_their_own_answer_and_row(
        engine: Engine, committer: GroupCommitter) -> None:
    start = threading.Barrier(16)
    results: list[str] = []
    lock = threading.Lock()

    def caller(i: int) -> None:
        start.wait()
        for j in range(10):
            value = committer.submit(writes(f"c{i}.{j}")).result(30)
            with lock:
                results.append(value)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == sorted(f"c{i}.{j}" for i in range(16) for j in range(10))
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 160
    assert committer.batches < 160  # some waited together


def test_a_caller_that_gives_up_is_skipped_and_the_others_answered(
        engine: Engine, committer: GroupCommitter) -> None:
    def give_up(rest: list[Future]) -> None:
        assert rest[0].cancel()  # as a cancelled request's await does

    head, (_, kept) = held_batch(committer, [writes("never"), writes("kept")],
                                 meanwhile=give_up)
    assert head.result(10) == "first" and kept.result(10) == "kept"
    assert rows(engine, "never") == 0 and rows(engine, "kept") == 1
    assert committer.submit(writes("after")).result(10) == "after"  # the thread lives on


def test_batches_one_after_another_keep_one_connection(
        engine: Engine, committer: GroupCommitter) -> None:
    checkouts: list[int] = []
    event.listen(engine, "checkout", lambda *_args: checkouts.append(1))
    for i in range(10):
        assert committer.submit(writes(f"kept.{i}")).result(10) == f"kept.{i}"
    # one connection, not one per batch with the pool's liveness check each time
    assert len(checkouts) == 1


def test_a_connection_lost_between_batches_costs_no_read(
        engine: Engine, committer: GroupCommitter) -> None:
    held: list[object] = []

    def note_connection(session: Session) -> str:
        connection = session.connection()
        held.append(connection.exec_driver_sql("select pg_backend_pid()").scalar()
                    if engine.dialect.name == "postgresql"
                    else connection.connection.driver_connection)
        return "noted"

    assert committer.submit(note_connection).result(10) == "noted"
    if engine.dialect.name == "postgresql":  # the server ends the session under it
        admin = create_engine(engine.url, poolclass=NullPool)
        with admin.connect() as other:
            other.exec_driver_sql(f"select pg_terminate_backend({held[0]})")
        admin.dispose()
    else:
        held[0].close()  # type: ignore[attr-defined]
    batches = committer.batches
    # the batch on the lost connection fails and its read runs alone, on a fresh one
    assert committer.submit(writes("after.loss")).result(10) == "after.loss"
    assert committer.batches == batches
    # the thread took a new connection: batches commit together again
    assert committer.submit(writes("after.loss.2")).result(10) == "after.loss.2"
    assert committer.batches == batches + 1
    assert (rows(engine, "after.loss"), rows(engine, "after.loss.2")) == (1, 1)


def test_a_closed_committer_refuses_new_work(engine: Engine) -> None:
    c = GroupCommitter(engine)
    assert c.submit(lambda _s: 1).result(10) == 1
    c.close()
    with pytest.raises(RuntimeError, match="closed"):
        c.submit(lambda _s: 2)


@pytest.mark.parametrize("threads, max_batch", [(0, 1), (1, 0)])
def test_sizes_below_one_are_refused(engine: Engine, threads: int, max_batch: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommitter(engine, threads=threads, max_batch=max_batch)


def sqlite_engine(tmp_path) -> Engine:
    from credo.store import make_engine, upgrade

    e = make_engine(f"sqlite:///{tmp_path / 'credo.db'}")
    upgrade(e)
    return e


def test_on_sqlite_a_batch_waits_for_another_writer_and_keeps_the_busy_timeout(
        tmp_path) -> None:
    import sqlite3

    engine = sqlite_engine(tmp_path)
    other = sqlite3.connect(tmp_path / "credo.db", isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's write in progress
    committer = GroupCommitter(engine)
    try:
        future = committer.submit(writes("after.the.other"))
        threading.Timer(0.2, lambda: other.execute("COMMIT")).start()
        assert future.result(10) == "after.the.other"
        assert rows(engine, "after.the.other") == 1
        with engine.connect() as c:  # the pooled connection waits as before elsewhere
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        committer.close()
        other.close()
        engine.dispose()


def test_taking_the_sqlite_write_lock_gives_up_after_its_timeout(tmp_path) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from credo.store.group_commit import take_sqlite_write_lock

    engine = sqlite_engine(tmp_path)
    other = sqlite3.connect(tmp_path / "credo.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as c, pytest.raises(OperationalError, match="locked"):
            take_sqlite_write_lock(c, timeout=0.05)
    finally:
        other.execute("ROLLBACK")
        other.close()
        engine.dispose()


def test_a_batch_writes_its_units_rows_with_one_statement(
        engine: Engine, committer: GroupCommitter) -> None:
    inserts: list[bool] = []

    def note(_conn, _cursor, statement: str, _params, _context, many: bool) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(many)

    event.listen(engine, "before_cursor_execute", note)
    try:
        head, rest = held_batch(committer, [writes(f"row.{i}") for i in range(20)])
        head.result(10)
        assert [f.result(10) for f in rest] == [f"row.{i}" for i in range(20)]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # twenty audit rows, one execution (one row per execution before)
    assert len(inserts) == 1
    assert sum(rows(engine, f"row.{i}") for i in range(20)) == 20


def test_a_rows_appended_call_runs_in_the_batch_after_its_statements(
        engine: Engine, committer: GroupCommitter) -> None:
    from credo.store.appends import append_call

    seen: list[int] = []

    def counts_rows(connection) -> None:  # type: ignore[no-untyped-def]
        seen.append(connection.scalar(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.action == "before.call")))

    def work(session: Session) -> str:
        audit.record(session, actor_role="partner", actor_id="pt-1", action="before.call")
        append_call(session, counts_rows)
        return "done"

    head, [future] = held_batch(committer, [work])
    head.result(10)
    assert future.result(10) == "done"
    assert seen == [1]  # the batch's statements were written, in its transaction


def test_on_sqlite_units_read_while_another_process_writes(tmp_path) -> None:
    """The write lock is the batch's only for its rows: while its units run, another
    process may write (before, the batch held the lock from its first unit)."""
    import sqlite3

    engine = sqlite_engine(tmp_path)
    committer = GroupCommitter(engine)
    attempts: list[str] = []

    def other_writes_meanwhile(session: Session) -> str:
        session.execute(select(func.count()).select_from(AuditEvent)).scalar()
        other = sqlite3.connect(tmp_path / "credo.db", isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            attempts.append("written")
        except sqlite3.OperationalError as error:  # "database is locked"
            attempts.append(str(error))
        finally:
            other.close()
        return writes("read.beside")(session)

    try:
        assert committer.submit(other_writes_meanwhile).result(10) == "read.beside"
        assert attempts == ["written"]
        assert rows(engine, "read.beside") == 1
    finally:
        committer.close()
        engine.dispose()


def reads_ahead(action: str) -> Callable[[Session], object]:
    """A unit that writes its row and answers with the value read ahead for it."""
    def work(session: Session) -> object:
        writes(action)(session)
        return ahead_of(session)

    return work


def test_a_batch_reads_ahead_once_for_all_its_units_in_their_order(
        engine: Engine, committer: GroupCommitter) -> None:
    calls: list[tuple[str, list[str]]] = []

    def squares(connection, keys: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
        calls.append(("squares", keys))
        # on the batch's connection, in its transaction
        return [connection.execute(select(literal(k) * literal(k))).scalar_one() for k in keys]

    def named(connection, keys: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
        calls.append(("named", keys))
        return [f"<{k}>" for k in keys]

    head, rest = held_batch(committer, [
        (reads_ahead("r.1"), Ahead(squares, 3)), (reads_ahead("r.2"), Ahead(named, "x")),
        (reads_ahead("r.3"), None), (reads_ahead("r.4"), Ahead(squares, 5)),
        (reads_ahead("r.5"), Ahead(named, "y"))])
    head.result(10)
    assert [f.result(10) for f in rest] == [9, "<x>", None, 25, "<y>"]
    assert sorted(calls) == [("named", ["x", "y"]), ("squares", [3, 5])]
    assert committer.batches == 2
    assert sum(rows(engine, f"r.{i}") for i in range(1, 6)) == 5


@pytest.mark.parametrize("failure", ["raises", "one value short"])
def test_a_read_ahead_that_fails_runs_each_unit_alone_reading_for_itself(
        engine: Engine, committer: GroupCommitter, failure: str) -> None:
    def broken(_connection, keys: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
        if failure == "raises":
            raise ZeroDivisionError("a bug")
        return keys[1:]

    head, rest = held_batch(committer, [(reads_ahead(f"alone.{i}"), Ahead(broken, i))
                                             for i in range(3)])
    head.result(10)
    # Alone, no value is read ahead: the units read for themselves (here: None).
    assert [f.result(10) for f in rest] == [None, None, None]
    assert [rows(engine, f"alone.{i}") for i in range(3)] == [1, 1, 1]
