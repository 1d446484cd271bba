"""Races: parallel requests on one state change against the real database (SQLite and
PostgreSQL). Each change is one conditional transition in one transaction with its audit
row: exactly one caller wins, the others get a clean answer, never a 500 or a second row."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from credo.service.disputes.logic import rescore_run_id
from credo.store.audit import GroupCommit
from credo.store.models import AuditEvent, Authorization, Dispute, ScoreRecord, now

from .conftest import World


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call at once, each in its own thread, released together."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def audit_actions(world: World, action: str) -> int:
    with world.ctx.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == action)) or 0


def file_dispute(world: World, pid: str = "P1", record_id: str = "st-1") -> dict[str, Any]:
    r = world.client.post("/v1/me/disputes", headers=world.person(pid), json={
        "kind": "statement", "source_id": "bank-a", "record_id": record_id,
        "reason": "I paid this statement on time."})
    assert r.status_code == 201, r.text
    return r.json()


def test_two_operators_deciding_one_dispute_one_decision_stands(world: World) -> None:
    world.seed_lake()
    d = file_dispute(world)
    c = world.client

    def decide(outcome: str) -> Callable[[], Any]:
        return lambda: c.post(f"/v1/operator/disputes/{d['id']}/{outcome}",
                              headers=world.operator(), json={"note": f"{outcome}: checked"})

    responses = race([decide("uphold") for _ in range(5)] + [decide("reject") for _ in range(5)])
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: 9}, [r.text for r in responses if r.status_code != 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"].startswith("application/problem+json")
    with world.ctx.session() as s:
        stored = s.get(Dispute, d["id"])
        assert stored is not None
        assert (stored.status, stored.resolution_note) == (winner["status"],
                                                           winner["resolution_note"])
        decisions = s.scalars(select(AuditEvent).where(
            AuditEvent.action.like("dispute.%"), AuditEvent.action != "dispute.file")).all()
        assert len(decisions) == 1
        history = s.scalars(select(ScoreRecord).where(
            ScoreRecord.run_id == rescore_run_id(d["id"]))).all()
        assert len(history) == 1
    assert audit_actions(world, "score.rescore") == 1
    assert world.rescored == ["P1"]


def test_one_activation_code_sets_one_password(world: World) -> None:
    from credo.service.people.logic import enroll

    with world.ctx.session() as s:
        code = enroll(s, world.ctx.pepper, "P9")
    c = world.client
    passwords = [f"parallel password {i:02d}" for i in range(10)]

    def activate(password: str) -> Callable[[], Any]:
        return lambda: c.post("/v1/people/activate", json={
            "person_id": "P9", "activation_code": code, "password": password})

    responses = race([activate(p) for p in passwords])
    codes = Counter(r.status_code for r in responses)
    assert codes == {204: 1, 401: 9}, [r.text for r in responses]
    winner = passwords[[r.status_code for r in responses].index(204)]
    # The winner's password signs in; every other one is refused (wrong password, or,
    # after a few wrong ones, the sign-in backoff).
    ordered = [winner, *(p for p in passwords if p != winner)]
    logins = {p: c.post("/v1/people/login", json={"person_id": "P9", "password": p}
                        ).status_code for p in ordered}
    assert logins[winner] == 200
    assert all(logins[p] in (401, 429) for p in passwords if p != winner), logins
    assert audit_actions(world, "person.activate") == 1


def test_one_record_disputed_in_parallel_has_one_open_dispute(world: World) -> None:
    world.seed_lake()
    c = world.client

    def dispute() -> Any:
        return c.post("/v1/me/disputes", headers=world.person(), json={
            "kind": "statement", "source_id": "bank-a", "record_id": "st-1",
            "reason": "I paid this statement on time."})

    responses = race([dispute for _ in range(20)])
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 19}, [r.text for r in responses if r.status_code != 409]
    with world.ctx.session() as s:
        open_ = s.scalars(select(Dispute).where(Dispute.status == "open")).all()
    assert [d.id for d in open_] == [r.json()["id"] for r in responses if r.status_code == 201]
    assert audit_actions(world, "dispute.file") == 1


def test_parallel_revocations_revoke_once(world: World) -> None:
    auth = world.grant()
    c = world.client

    def revoke() -> Any:
        return c.delete(f"/v1/me/authorizations/{auth['id']}", headers=world.person())

    responses = race([revoke for _ in range(50)])
    # Revoking is idempotent: every caller gets the one revocation, none writes another.
    assert Counter(r.status_code for r in responses) == {200: 50}
    assert {(r.json()["state"], r.json()["revoked_at"]) for r in responses} == {
        ("revoked", responses[0].json()["revoked_at"])}
    with world.ctx.session() as s:
        stored = s.get(Authorization, auth["id"])
        assert stored is not None and stored.revoked_at is not None
        assert stored.revoked_at.isoformat().replace("+00:00", "Z")[:19] == \
            responses[0].json()["revoked_at"][:19]
    assert audit_actions(world, "authorization.revoke") == 1
    assert world.score().status_code == 403


def test_granting_again_extends_the_one_authorization(world: World) -> None:
    c = world.client
    first = world.grant(days=10)
    again = c.post("/v1/me/authorizations", headers=world.person(),
                   json={"partner_id": "pt-a", "purpose": "loan", "valid_days": 60})
    assert again.status_code == 200, again.text  # not created: the one there was extended
    assert again.json()["id"] == first["id"] and again.json()["state"] == "active"
    assert again.json()["expires_at"] > first["expires_at"]
    listed = c.get("/v1/me/authorizations", headers=world.person()).json()
    assert [a["id"] for a in listed] == [first["id"]]
    assert audit_actions(world, "authorization.grant") == 1
    assert audit_actions(world, "authorization.extend") == 1
    c.delete(f"/v1/me/authorizations/{first['id']}", headers=world.person())
    assert world.score().status_code == 403  # revoking it leaves no other one active


def test_parallel_grants_leave_one_authorization(world: World) -> None:
    c = world.client

    def grant() -> Any:
        return c.post("/v1/me/authorizations", headers=world.person(),
                      json={"partner_id": "pt-a", "purpose": "loan", "valid_days": 30})

    responses = race([grant for _ in range(10)])
    assert Counter(r.status_code for r in responses) == {201: 1, 200: 9}, [
        r.text for r in responses if r.status_code not in (200, 201)]
    assert len({r.json()["id"] for r in responses}) == 1
    with world.ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Authorization)) == 1
    assert audit_actions(world, "authorization.grant") == 1
    c.delete(f"/v1/me/authorizations/{responses[0].json()['id']}", headers=world.person())
    assert world.score().status_code == 403


def test_audit_rows_of_concurrent_reads_are_all_committed_before_the_answers(
        world: World) -> None:
    """Reads write their audit rows through one group-commit thread: every answered read
    has its row, exactly one each, whatever the concurrency."""
    world.grant()
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: world.score().status_code, range(64)))
    assert answers == [200] * 64
    with world.ctx.session() as s:
        rows = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "score.read", AuditEvent.outcome == "granted"))
    assert rows == 64


def test_a_failed_group_commit_reaches_every_waiting_request(world: World) -> None:
    """A batch that cannot be committed fails each of its requests, none silently."""
    writer = GroupCommit(world.ctx.engine)
    try:
        with pytest.raises(IntegrityError):  # no actor, action or time
            writer.write(lambda s: s.execute(insert(AuditEvent).values(actor_role="partner")))
        writer.write(lambda s: s.execute(insert(AuditEvent).values(
            at=now(), actor_role="partner", actor_id="pt-a", action="score.read",
            outcome="granted", detail={})))
    finally:
        writer.close()
    with world.ctx.session() as s:  # the writer went on after the failed batch
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.actor_id == "pt-a")) == 1
def test_parallel_freezes_freeze_once(world: World) -> None:
    c = world.client

    def freeze() -> Any:
        return c.post("/v1/me/freeze", headers=world.person())

    responses = race([freeze for _ in range(10)])
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 9}, [
        r.text for r in responses if r.status_code not in (200, 409)]
    assert audit_actions(world, "file.freeze") == 1
    world.grant()
    assert world.score().status_code == 403


def test_a_freeze_and_its_lifting_racing_leave_one_consistent_state(world: World) -> None:
    c = world.client
    assert c.post("/v1/me/freeze", headers=world.person()).status_code == 200

    def lift() -> Any:
        return c.delete("/v1/me/freeze", headers=world.person())

    responses = race([lift for _ in range(10)])
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 9}
    assert audit_actions(world, "file.unfreeze") == 1


def test_parallel_fraud_alerts_place_one(world: World) -> None:
    c = world.client

    def place() -> Any:
        return c.post("/v1/me/fraud-alert", headers=world.person())

    responses = race([place for _ in range(10)])
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 9}
    assert audit_actions(world, "fraud_alert.place") == 1


def test_two_operators_deciding_one_review_one_decision_stands(world: World) -> None:
    c = world.client
    review = c.post("/v1/me/reviews", headers=world.person(),
                    json={"statement": "The score misses my new job."}).json()

    def decide(outcome: str) -> Callable[[], Any]:
        return lambda: c.post(f"/v1/operator/reviews/{review['id']}/{outcome}",
                              headers=world.operator(), json={"reasons": f"{outcome}: read"})

    responses = race([decide("confirm") for _ in range(5)]
                     + [decide("withdraw") for _ in range(5)])
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 9}
    assert audit_actions(world, "review.confirm") + audit_actions(world,
                                                                  "review.withdraw") == 1


def test_one_open_review_per_person_under_parallel_requests(world: World) -> None:
    c = world.client

    def ask() -> Any:
        return c.post("/v1/me/reviews", headers=world.person(),
                      json={"statement": "Please look at my score."})

    responses = race([ask for _ in range(10)])
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
    assert audit_actions(world, "review.request") == 1
