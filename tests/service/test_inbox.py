"""The push inbox: claims are exclusive, a dead worker's batch is taken over and
ingested once, a failing batch says why, and the rescore date follows the records."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from credo.service.sources import inbox
from credo.service.sources.logic import accept_push
from credo.store.models import Push, ScoreRecord, now

from .conftest import STATEMENT, World


def _push(world: World, *records: dict) -> Push:
    with world.ctx.session() as s:
        return accept_push(s, "bank-a", "statement",
                           [dict(r) for r in records] or [dict(STATEMENT)])


def test_of_two_workers_one_claims_a_batch(world: World) -> None:
    pushed = _push(world)
    with world.ctx.session() as first, world.ctx.session() as second:
        won = inbox.claim(first)
        assert won is not None and won.id == pushed.id and won.attempts == 1
        assert inbox.claim(second) is None  # claimed, and not stale


def test_a_dead_workers_batch_is_taken_over_and_ingested_once(world: World) -> None:
    pushed = _push(world)
    with world.ctx.session() as s:
        dead = inbox.claim(s)
        assert dead is not None
        # The worker dies after writing the lake, before closing its claim.
        report = inbox.ingest(world.ctx, dead, lake_wait=5)
        assert report.accepted == 1
        assert inbox.claim(s) is None
        s.execute(update(Push).where(Push.id == pushed.id)
                  .values(claimed_at=now() - inbox.STALE_CLAIM - timedelta(seconds=1)))
        s.commit()
    outcomes = inbox.drain(world.ctx)
    assert [o.state for o in outcomes] == ["done"]
    with world.ctx.session() as s:
        done = s.get(Push, pushed.id)
        assert done is not None and done.attempts == 2
        assert (done.report or {})["duplicate"] == 1  # in the lake once, not twice
        assert done.records == []  # kept until it is in the lake, not after
    assert world.ctx.lake.table("statement").count().execute() == 1


def test_a_batch_the_lake_refuses_fails_with_its_reason(world: World) -> None:
    with world.ctx.session() as s:  # past the API's checks, e.g. a kind since retired
        pushed = accept_push(s, "bank-a", "horoscope", [dict(STATEMENT)])
    assert [o.state for o in inbox.drain(world.ctx)] == ["failed"]
    answer = world.client.get(f"/v1/sources/pushes/{pushed.id}", headers=world.source())
    assert answer.json()["state"] == "failed" and "horoscope" in answer.json()["error"]
    assert answer.json()["outcome"] is None


def test_people_are_rescored_with_the_records_they_pushed(world: World) -> None:
    seen: list[tuple[list[str], date]] = []

    def rescorer(people: list[str], as_of: date) -> dict:
        seen.append((people, as_of))
        from .conftest import snapshot_row

        return {p: {**snapshot_row(p, 701, "x", as_of), "reasons": []} for p in people}

    pushed = _push(world, STATEMENT, {**STATEMENT, "record_id": "st-2", "person_id": "P2"},
                   {**STATEMENT, "record_id": "st-3", "status": "bogus"})
    [outcome] = inbox.drain(world.ctx, rescorer)
    assert outcome.rescored == 2
    assert seen[0][0] == ["P1", "P2"]
    with world.ctx.session() as s:
        entries = s.query(ScoreRecord).filter(ScoreRecord.run_id == f"push-{pushed.id}").all()
        assert sorted((e.person_id, e.score, e.status) for e in entries) == [
            ("P1", 701, "rescored"), ("P2", 701, "rescored")]
    history = world.client.get("/v1/me/score/history", headers=world.person("P1"))
    assert 701 in [h["score"] for h in history.json()]
    # Re-sending the same records changes nothing: no second rescore.
    _push(world, STATEMENT)
    [again] = inbox.drain(world.ctx, rescorer)
    assert again.rescored == 0 and len(seen) == 1


@given(st.lists(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
                max_size=5),
       st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)))
def test_the_rescore_date_is_after_the_records_and_within_the_runs(reported, latest) -> None:
    today = date(2026, 6, 1)
    records = [{"reported_at": r.isoformat()} for r in reported] + [{"reported_at": "junk"}]
    day = inbox.rescore_as_of(records, min(latest, today), today)
    assert min(latest, today) <= day <= today
    if reported and max(reported).date() < today:
        assert day > max(reported).date()


def test_a_source_far_ahead_of_the_worker_is_asked_to_wait(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from credo.service.sources import logic

    monkeypatch.setattr(logic, "MAX_WAITING_PER_SOURCE", 2)
    body = {"kind": "statement", "records": [{**STATEMENT}]}
    codes = [world.client.post("/v1/sources/records", headers=world.source(), json=body)
             for _ in range(3)]
    assert [r.status_code for r in codes] == [202, 202, 503]
    assert codes[-1].headers["Retry-After"] == str(logic.RETRY_AFTER_SECONDS)
    with world.ctx.session() as s:
        assert s.query(Push).count() == 2  # the refused one left nothing behind


def test_batches_waiting_together_are_rescored_in_one_pass(world: World) -> None:
    calls: list[list[str]] = []

    def rescorer(people: list[str], as_of: date) -> dict:
        calls.append(people)
        from .conftest import snapshot_row

        return {p: {**snapshot_row(p, 640, "x", as_of), "reasons": []} for p in people}

    for pid in ("P1", "P2", "P3"):
        _push(world, {**STATEMENT, "record_id": f"st-{pid}", "person_id": pid})
    outcomes = inbox.drain(world.ctx, rescorer)
    assert [o.rescored for o in outcomes] == [1, 1, 1]
    assert calls == [["P1", "P2", "P3"]]  # the lake read once for the three batches


def test_the_worker_stops_when_asked_and_leaves_nothing_claimed(world: World) -> None:
    _push(world)
    passes = iter(range(1000))
    inbox.run(world.ctx, poll_seconds=0.05, should_stop=lambda: next(passes) >= 3)
    with world.ctx.session() as s:
        assert {p.state for p in s.query(Push)} == {"done"}


def test_pushed_records_in_another_currency_are_quarantined_with_the_reason(
        world: World) -> None:
    assert world.ctx.settings.currency == "EUR"
    pushed = _push(world, STATEMENT, {**STATEMENT, "record_id": "st-usd", "currency": "USD"})
    assert [o.state for o in inbox.drain(world.ctx)] == ["done"]
    answer = world.client.get(f"/v1/sources/pushes/{pushed.id}", headers=world.source())
    body = answer.json()
    assert body["state"] == "done", body
    assert body["outcome"]["accepted"] == 1 and body["outcome"]["quarantined"] == 1
    assert any("reporting currency EUR" in reason for reason in body["outcome"]["reasons"])
    assert world.ctx.lake.table("statement").count().execute() == 1


def test_a_small_push_shares_the_reads_commit_and_a_big_one_has_its_own(
        world: World) -> None:
    from credo.service.sources.router import SHARED_COMMIT_RECORDS

    def pushed(n: int) -> int:
        """Batches the group commit committed while ``n`` records were pushed."""
        before = world.ctx.group_commit.batches
        body = {"kind": "statement", "records": [
            {**STATEMENT, "record_id": f"st-{n}-{i}"} for i in range(n)]}
        r = world.client.post("/v1/sources/records", headers=world.source(), json=body)
        assert r.status_code == 202, r.text
        with world.ctx.session() as s:
            assert s.get(Push, r.json()["id"]).record_count == n
        return world.ctx.group_commit.batches - before

    assert pushed(1) == 1
    assert pushed(SHARED_COMMIT_RECORDS) == 1
    assert pushed(SHARED_COMMIT_RECORDS + 1) == 0
