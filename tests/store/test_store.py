"""The store on SQLite and PostgreSQL: migrations, append-only audit, publishing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from credo.errors import InputError
from credo.store import excluded_records, excluded_records_for, upgrade
from credo.store.engine import current_revision
from credo.store.models import AuditEvent, Dispute, Person, PublishedRun, ScoreRecord, now
from credo.store.publish import publish_snapshot, write_snapshot
from credo.store.session_utils import session


def snapshot_rows(run_id: str, as_of: date, people: dict[str, int]) -> list[dict]:
    from credo.policy.bands import band_of

    return [{
        "person_id": pid, "as_of": as_of, "score": score, "band": band_of(score),
        "probability_of_default": 0.05, "credit_history": 600, "fulfilment_capacity": 610,
        "behaviour": 620, "identity": 630, "tenure": None, "reason_1": "late_payments",
        "reason_2": None, "reason_3": None, "reason_4": None,
        "reasons_json": json.dumps([{"feature": "late_payments", "description":
                                     "payments made late in the last 12 months",
                                     "bin": "2+", "points_lost": 41}]),
        "model_id": "m1", "data_fingerprint": "fp1", "run_id": run_id,
    } for pid, score in people.items()]


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from credo.store.engine import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migrations must form one line, not {heads}"
    return str(heads[0])


def test_migrations_are_idempotent(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) == head_revision()


def test_a_sqlite_commit_waits_for_the_disk(engine: Engine) -> None:
    """An answer given after a commit (a read's audit row, a grant) must survive a power
    cut: SQLite syncs its log at every commit (FULL, 2), not only at checkpoints."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a PostgreSQL server's own setting (synchronous_commit) decides")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_audit_log_refuses_update_and_delete(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(AuditEvent.__table__.insert().values(
            at=now(), actor_role="operator", actor_id="x", action="t", outcome="ok",
            detail={}))
    for stmt in ("UPDATE audit_log SET outcome = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(stmt))
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(AuditEvent)) == 1


@pytest.mark.parametrize("stmt", [
    "INSERT OR REPLACE INTO audit_log (id, at, actor_role, actor_id, action, outcome, "
    "detail) SELECT id, at, actor_role, 'forged', action, outcome, detail FROM audit_log",
    "REPLACE INTO audit_log (id, at, actor_role, actor_id, action, outcome, detail) "
    "SELECT id, at, actor_role, 'forged', action, outcome, detail FROM audit_log",
    "INSERT INTO audit_log (id, at, actor_role, actor_id, action, outcome, detail) "
    "SELECT id, at, actor_role, 'forged', action, outcome, detail FROM audit_log "
    "WHERE true ON CONFLICT (id) DO UPDATE SET actor_id = excluded.actor_id",
])
def test_audit_log_refuses_replacing_a_row(engine: Engine, stmt: str) -> None:
    if engine.dialect.name != "sqlite" and "REPLACE" in stmt:
        pytest.skip("REPLACE is SQLite's")
    with engine.begin() as c:
        c.execute(AuditEvent.__table__.insert().values(
            at=now(), actor_role="operator", actor_id="x", action="t", outcome="ok",
            detail={}))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(text(stmt))
    with engine.connect() as c:
        assert c.execute(select(AuditEvent.actor_id)).scalars().all() == ["x"]


def test_publish_is_idempotent_and_keeps_history(engine: Engine, tmp_path: Path) -> None:
    jan = write_snapshot(tmp_path / "jan.parquet",
                         snapshot_rows("run-jan", date(2026, 1, 31), {"P1": 640, "P2": 700}))
    feb = write_snapshot(tmp_path / "feb.parquet",
                         snapshot_rows("run-feb", date(2026, 2, 28), {"P1": 655}))
    with session(engine) as s:
        assert publish_snapshot(s, jan).published
        assert not publish_snapshot(s, jan).published  # same run again: no-op
        assert publish_snapshot(s, feb).published
        rows = s.scalars(select(ScoreRecord).where(ScoreRecord.person_id == "P1")
                         .order_by(ScoreRecord.id)).all()
        assert [(r.as_of, r.score, r.band) for r in rows] == [
            (date(2026, 1, 31), 640, "good"), (date(2026, 2, 28), 655, "very good")]
        assert rows[0].reasons[0]["points_lost"] == 41
        assert rows[0].reason_codes == ["late_payments"]
        assert s.scalar(select(func.count()).select_from(PublishedRun)) == 2
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "scores.publish")) == 2


@pytest.mark.parametrize("change, message", [
    ({"score": 951}, "scores must lie"),
    ({"band": "excellent"}, "band does not match"),
    ({"run_id": "other"}, "one run"),
])
def test_publish_refuses_bad_snapshots(engine: Engine, tmp_path: Path, change: dict,
                                       message: str) -> None:
    rows = snapshot_rows("r", date(2026, 1, 31), {"P1": 640, "P2": 641})
    rows[1].update(change)
    path = write_snapshot(tmp_path / "bad.parquet", rows)
    with session(engine) as s, pytest.raises(InputError, match=message):
        publish_snapshot(s, path)
    with session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ScoreRecord)) == 0


def test_publish_refuses_a_file_that_is_not_a_snapshot(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 not really")
    with session(engine) as s, pytest.raises(InputError, match="not a readable"):
        publish_snapshot(s, path)


def test_excluded_records_are_open_and_upheld_disputes(engine: Engine, database_url: str
                                                       ) -> None:
    with session(engine) as s:
        s.add(Person(id="P1"))
        s.flush()
        for i, status in enumerate(("open", "upheld", "rejected")):
            s.add(Dispute(id=f"00000000-0000-0000-0000-00000000000{i}", person_id="P1",
                          kind="statement", source_id="bank", record_id=f"r{i}", reason="x",
                          status=status, due_at=now()))
        s.commit()
    expected = {("statement", "bank", "r0"), ("statement", "bank", "r1")}
    assert excluded_records(engine) == expected
    assert excluded_records(engine, "P2") == set()
    assert excluded_records_for(database_url) == expected


@settings(max_examples=15)
@given(st.lists(st.sampled_from(["read", "grant", "revoke"]), min_size=1, max_size=20))
def test_audit_grows_by_one_row_per_event(actions: list[str]) -> None:
    # Fresh SQLite per example (hypothesis does not mix with function fixtures).
    import tempfile

    from credo.store import audit, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        e = make_engine(f"sqlite:///{tmp}/a.db")
        upgrade(e)
        with session(e) as s:
            for i, a in enumerate(actions):
                audit.record(s, actor_role="partner", actor_id="pt", action=a, person_id="P")
                s.commit()
                assert s.scalar(select(func.count()).select_from(AuditEvent)) == i + 1
        e.dispose()


def test_one_open_dispute_per_record_and_older_duplicates_are_closed(database_url: str
                                                                     ) -> None:
    from datetime import timedelta

    from sqlalchemy.exc import IntegrityError

    from credo.store import make_engine

    engine = make_engine(database_url)
    try:
        assert upgrade(engine, "0002") == "0002"
        filed = now()
        with session(engine) as s:  # what parallel filings left before 0003
            s.add(Person(id="P1"))
            s.flush()
            for i in range(3):
                s.add(Dispute(id=f"00000000-0000-0000-0000-00000000000{i}", person_id="P1",
                              kind="statement", source_id="bank", record_id="r1",
                              reason="x", status="open", filed_at=filed + timedelta(seconds=i),
                              due_at=filed + timedelta(days=30)))
            s.commit()
        assert upgrade(engine, "0003") == "0003"
        with session(engine) as s:
            states = {d.id[-1]: (d.status, d.resolved_by) for d in s.scalars(select(Dispute))}
            assert states == {"0": ("open", None), "1": ("rejected", "migration-0003"),
                              "2": ("rejected", "migration-0003")}
            note = s.get(Dispute, "00000000-0000-0000-0000-000000000001").resolution_note
            assert "duplicate" in note and "00000000-0000-0000-0000-000000000000" in note
            assert s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "dispute.close_duplicate")) == 2
        with session(engine) as s:
            s.add(Dispute(id="00000000-0000-0000-0000-000000000009", person_id="P1",
                          kind="statement", source_id="bank", record_id="r1", reason="x",
                          status="open", due_at=now()))
            with pytest.raises(IntegrityError):
                s.commit()
            s.rollback()
            s.add(Dispute(id="00000000-0000-0000-0000-000000000009", person_id="P1",
                          kind="statement", source_id="bank", record_id="r1", reason="x",
                          status="upheld", due_at=now()))
            s.commit()  # decided disputes about the record are not limited
    finally:
        engine.dispose()


def test_one_live_authorization_per_person_partner_and_purpose(database_url: str) -> None:
    from datetime import timedelta

    from sqlalchemy.exc import IntegrityError

    from credo.store import make_engine
    from credo.store.models import Authorization, Partner

    engine = make_engine(database_url)
    try:
        assert upgrade(engine, "0002") == "0002"
        at = now()
        with session(engine) as s:  # what parallel grants left before 0003
            s.add_all([Person(id="P1"), Partner(id="pt", name="A", purposes=["loan"])])
            s.flush()
            # The table as it was at 0002 (later revisions add columns the model has).
            before = sa.table("authorizations", *(sa.column(c) for c in (
                "id", "person_id", "partner_id", "purpose", "granted_at", "expires_at",
                "revoked_at")))
            s.execute(sa.insert(before), [
                {"id": f"a{i}", "person_id": "P1", "partner_id": "pt", "purpose": "loan",
                 "granted_at": at, "expires_at": at + timedelta(days=days),
                 "revoked_at": None}
                for i, days in enumerate((10, 40, 20))
            ] + [{"id": "a3", "person_id": "P1", "partner_id": "pt", "purpose": "loan",
                  "granted_at": at, "expires_at": at, "revoked_at": at}])
            s.commit()
        assert upgrade(engine) == head_revision()  # 0003 closes the duplicates
        with session(engine) as s:
            live = s.scalars(select(Authorization.id).where(
                Authorization.revoked_at.is_(None))).all()
            assert live == ["a1"]  # the one that runs longest
            assert s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "authorization.close_duplicate")) == 2
            s.add(Authorization(id="a4", person_id="P1", partner_id="pt", purpose="loan",
                                expires_at=at + timedelta(days=5)))
            with pytest.raises(IntegrityError):
                s.commit()
    finally:
        engine.dispose()


def test_connections_opening_a_new_sqlite_database_side_by_side_all_succeed(tmp_path: Path):
    """Switching a new file to WAL answers "locked" at once to a second connection doing
    the same (SQLite's busy timeout does not apply there): every one waits its turn."""
    import threading

    from credo.store.engine import make_engine

    failures: list[str] = []

    def open_and_read(url: str, start: threading.Barrier) -> None:
        engine = make_engine(url)
        try:
            start.wait()
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # what the test counts
            failures.append(str(error))
        finally:
            engine.dispose()

    for trial in range(150):  # the race is narrow: a few trials in a hundred meet it
        url = f"sqlite:///{tmp_path / f'new-{trial}.db'}"
        start = threading.Barrier(6)
        threads = [threading.Thread(target=open_and_read, args=(url, start)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
