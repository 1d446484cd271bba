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


@pytest.mark.parametrize("missing", ["no such folder/credo.db", "gone.db", "a ?#% name.db"])
def test_a_failing_checkpoint_is_logged_and_tried_again(tmp_path: Path, missing: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    checkpoints = BackgroundCheckpoints(tmp_path / missing, interval=0.01)
    with caplog.at_level(logging.WARNING, logger="credo.store.checkpoint"):
        checkpoints.start()
        deadline = time.monotonic() + 10
        while (sum("checkpoint" in r.getMessage() for r in caplog.records) < 2
               and time.monotonic() < deadline):
            time.sleep(0.01)
        assert checkpoints.running  # the failures did not end the thread
        checkpoints.stop()
    assert sum("checkpoint" in r.getMessage() for r in caplog.records) >= 2
    assert not checkpoints.running
    assert not (tmp_path / missing).exists()  # a database is never created by it


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
