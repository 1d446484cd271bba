"""SQLite's log checkpointed by a server's own thread: commits keep overwriting a short
log instead of growing it (a growing file's sync waits for the filesystem's journal),
a checkpoint that fails is tried again without ending the thread, and the server starts
and stops the thread with its lifespan."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credo.store import make_engine
from credo.store.checkpoint import BackgroundCheckpoints, checkpoint

ROUNDS, COMMITS_A_ROUND = 30, 10
ROW_BYTES = 6000  # two pages a row, and a page of the table's tree: about 3 log pages a commit


def writer_without_checkpoints(database: Path) -> sqlite3.Connection:
    """A connection in WAL mode that never checkpoints itself (as a server's connections
    leave it to the thread), with an empty table to write."""
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE audit (body BLOB)")
    return writer


def wait_for_checkpoint(checkpoints: BackgroundCheckpoints, after: int) -> None:
    """Until a checkpoint that began after ``after`` were done has finished (the one
    running at that moment may have begun before the last commit)."""
    deadline = time.monotonic() + 30
    while checkpoints.completed < after + 2:
        assert time.monotonic() < deadline, "no checkpoint within 30 s"
        time.sleep(0.005)


def wal_bytes_after_commits(database: Path, checkpoints: BackgroundCheckpoints | None) -> int:
    """The log's size on disk after rounds of commits by a connection that never
    checkpoints itself (as a server's connections leave it to the thread), the thread
    (if any) checkpointing between rounds."""
    writer = writer_without_checkpoints(database)
    if checkpoints is not None:
        checkpoints.start()
    try:
        for _ in range(ROUNDS):
            for _ in range(COMMITS_A_ROUND):
                writer.execute("INSERT INTO audit VALUES (randomblob(?))", (ROW_BYTES,))
            if checkpoints is not None:
                wait_for_checkpoint(checkpoints, checkpoints.completed)
    finally:
        if checkpoints is not None:
            checkpoints.stop()
    size = Path(f"{database}-wal").stat().st_size
    writer.close()
    return size


def test_the_log_stays_short_while_commits_go_on(tmp_path: Path) -> None:
    alone = wal_bytes_after_commits(tmp_path / "alone.db", None)
    checkpointed = wal_bytes_after_commits(
        tmp_path / "checkpointed.db", BackgroundCheckpoints(tmp_path / "checkpointed.db",
                                                            interval=0.01))
    # Nobody checkpoints: every commit grows the log.
    assert alone > ROUNDS * COMMITS_A_ROUND * ROW_BYTES
    # Checkpointed as it goes, the log starts over and its pages are written again:
    # it holds about one round of commits, whatever the number of rounds.
    assert checkpointed < 3 * COMMITS_A_ROUND * 3 * 4096


def test_a_checkpoint_reports_the_log_it_copied(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    writer = writer_without_checkpoints(db)
    writer.execute("INSERT INTO audit VALUES (1)")
    done = checkpoint(sqlite3.connect(db))
    assert not done.busy
    assert done.log_pages > 0
    assert done.copied_pages == done.log_pages  # no reader held any of it back
    writer.close()


def said(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "credo.store.checkpoint"]


@pytest.mark.parametrize("missing", ["no such folder/credo.db", "gone.db", "a ?#% name.db"])
def test_a_failing_checkpoint_is_logged_and_tried_again(tmp_path: Path, missing: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    checkpoints = BackgroundCheckpoints(tmp_path / missing, interval=0.01)
    with caplog.at_level(logging.WARNING, logger="credo.store.checkpoint"):
        checkpoints.start()
        deadline = time.monotonic() + 10
        while checkpoints.failures < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert checkpoints.running  # the failures did not end the thread
        checkpoints.stop()
    assert checkpoints.failures >= 3
    first, *_ = said(caplog)
    assert "failed (1 in a row)" in first.getMessage() and first.exc_info is not None
    assert not checkpoints.running
    assert not (tmp_path / missing).exists()  # a database is never created by it


def test_failures_in_a_row_are_said_once_a_minute_and_tried_later_and_later(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    checkpoints = BackgroundCheckpoints(tmp_path / "gone.db", interval=0.1,
                                        clock=lambda: now[0])
    assert checkpoints.delay() == 0.1
    with caplog.at_level(logging.WARNING, logger="credo.store.checkpoint"):
        for _ in range(600):  # a minute of failures at one a tenth of a second
            assert checkpoints._once(None) is None
            now[0] += 0.1
        assert len(said(caplog)) == 1  # was 600 warnings, each with its traceback
        now[0] += 1.0
        checkpoints._once(None)
    assert [r.getMessage().split(" failed ")[1] for r in said(caplog)] == [
        "(1 in a row); trying again in 0.2 s", "(601 in a row); trying again in 30.0 s"]
    assert not said(caplog)[1].exc_info  # the cause was said with the first
    # Each failure doubles the wait, up to half a minute.
    fresh = BackgroundCheckpoints(tmp_path / "gone.db", interval=0.1)
    waits = []
    for _ in range(12):
        fresh._once(None)
        waits.append(fresh.delay())
    assert waits == sorted(waits) and waits[0] == 0.2 and waits[-1] == 30.0


def test_a_checkpoint_that_works_again_says_so_and_waits_the_interval(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "late.db"
    checkpoints = BackgroundCheckpoints(db, interval=0.1)
    for _ in range(5):
        checkpoints._once(None)
    writer = writer_without_checkpoints(db)  # the database is there now
    writer.execute("INSERT INTO audit VALUES (1)")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="credo.store.checkpoint"):
        connection = checkpoints._once(None)
    assert connection is not None
    connection.close()
    writer.close()
    assert checkpoints.failures == 0 and checkpoints.delay() == 0.1
    assert checkpoints.completed == 1 and checkpoints.last is not None
    assert [r.getMessage() for r in said(caplog)] == [
        f"WAL checkpoints of {db} work again, after 5 failures"]


def test_a_name_that_reads_as_a_uri_is_the_file_itself(tmp_path: Path) -> None:
    db = tmp_path / "a ?mode=ro#% name.db"
    writer = writer_without_checkpoints(db)
    checkpoints = BackgroundCheckpoints(db, interval=0.01)
    checkpoints.start()
    wait_for_checkpoint(checkpoints, 0)
    checkpoints.stop()
    assert checkpoints.last is not None and checkpoints.last.log_pages > 0
    writer.close()


@pytest.mark.parametrize("interval", [0, -1.0])
def test_an_interval_must_be_positive(tmp_path: Path, interval: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        BackgroundCheckpoints(tmp_path / "c.db", interval=interval)


def test_only_a_sqlite_file_is_checkpointed(tmp_path: Path) -> None:
    on_file = BackgroundCheckpoints.for_engine(make_engine(f"sqlite:///{tmp_path / 'c.db'}"))
    assert on_file is not None and on_file.database == tmp_path / "c.db"
    assert BackgroundCheckpoints.for_engine(make_engine("sqlite://")) is None
    postgres = make_engine("postgresql://credo@127.0.0.1:9/credo")  # never connected
    assert BackgroundCheckpoints.for_engine(postgres) is None


def checkpoint_threads() -> int:
    return sum(t.name == "credo-wal-checkpoint" and t.is_alive() for t in threading.enumerate())


def test_the_server_checkpoints_while_it_serves(tmp_path: Path) -> None:
    from credo.app import create_app
    from credo.config import Settings

    before = checkpoint_threads()
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'credo.db'}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert checkpoint_threads() == before + 1
    assert checkpoint_threads() == before
