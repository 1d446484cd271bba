"""The issue's 'done when', over HTTP, on SQLite and PostgreSQL: a partner is registered,
a person authorizes it, the partner reads the score and runs a threshold check, the
person sees that access, revokes it, disputes a record and sees the outcome."""

from __future__ import annotations

from credo.service.people.logic import enroll

from .conftest import World

PROBLEM = "application/problem+json"


def test_end_to_end(world: World) -> None:
    c = world.client
    # The person activates their account and logs in with a password of their own.
    with world.ctx.session() as s:
        code = enroll(s, world.ctx.pepper, "P1")
    assert c.post("/v1/people/activate", json={"person_id": "P1", "activation_code": code,
                                                "password": "correct horse battery"}
                  ).status_code == 204
    r = c.post("/v1/people/login", json={"person_id": "P1",
                                         "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    me = {"Authorization": f"Bearer {r.json()['token']}"}

    # No authorization yet: the partner learns nothing.
    assert world.score().status_code == 403

    auth = c.post("/v1/me/authorizations", headers=me,
                  json={"partner_id": "pt-a", "purpose": "loan", "valid_days": 30})
    assert auth.status_code == 201, auth.text
    r = world.score()
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["score"] == 662 and body["band"] == "very good"
    assert "sub_scores" not in body and "probability_of_default" not in body
    assert body["reasons"][0] == {"description": "credit cards used close to their limit"}
    assert body["benefits"]["deposit_waiver"] is True

    c.post("/v1/me/authorizations", headers=me,
           json={"partner_id": "pt-a", "purpose": "rental_deposit_waiver"})
    t = world.threshold(650)
    assert t.json() == {"person_id": "P1", "purpose": "rental_deposit_waiver",
                        "threshold": 650, "result": "yes", "adverse_reasons": [],
                        "fraud_alert": None}
    assert world.threshold(700).json()["result"] == "no"

    log = c.get("/v1/me/access-log", headers=me).json()
    assert [(e["partner_id"], e["purpose"], e["action"], e["outcome"]) for e in log] == [
        ("pt-a", "rental_deposit_waiver", "score.threshold", "granted"),
        ("pt-a", "rental_deposit_waiver", "score.threshold", "granted"),
        ("pt-a", "loan", "score.read", "granted"),
        ("pt-a", "loan", "score.read", "denied"),
    ]

    # Revocation works at once.
    assert c.delete(f"/v1/me/authorizations/{auth.json()['id']}", headers=me
                    ).json()["state"] == "revoked"
    assert world.score().status_code == 403

    # Dispute a record; the operator upholds it; the rescore shows in the history.
    world.seed_lake()
    d = c.post("/v1/me/disputes", headers=me, json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1",
        "reason": "I paid this statement on time; the bank has the receipt."})
    assert d.status_code == 201, d.text
    assert d.json()["days_left"] == 30 and d.json()["status"] == "open"
    from credo.store import excluded_records

    assert excluded_records(world.ctx.engine) == {("statement", "bank-a", "st-1")}
    ops = c.get("/v1/operator/disputes?status=open", headers=world.operator()).json()
    assert [x["id"] for x in ops] == [d.json()["id"]]
    r = c.post(f"/v1/operator/disputes/{d.json()['id']}/uphold", headers=world.operator(),
               json={"note": "The bank confirmed the payment."})
    assert r.status_code == 200 and r.json()["status"] == "upheld", r.text
    assert world.rescored == ["P1"]
    mine = c.get(f"/v1/me/disputes/{d.json()['id']}", headers=me).json()
    assert mine["status"] == "upheld" and mine["resolution_note"]
    hist = c.get("/v1/me/score/history", headers=me).json()
    assert [(h["status"], h["score"]) for h in hist] == [("rescored", 690),
                                                         ("published", 662)]
    assert c.get("/v1/me/score", headers=me).json()["score"]["score"] == 690
    assert excluded_records(world.ctx.engine) == {("statement", "bank-a", "st-1")}


def test_rescore_pending_is_recorded_not_faked(world: World) -> None:
    world.seed_lake()
    c = world.client
    d = c.post("/v1/me/disputes", headers=world.person("P2"), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-2", "reason": "not mine"})
    assert d.status_code == 201, d.text
    r = c.post(f"/v1/operator/disputes/{d.json()['id']}/reject", headers=world.operator(),
               json={"note": "The account is in your name."})
    assert r.json()["status"] == "rejected"
    hist = c.get("/v1/me/score/history", headers=world.person("P2")).json()
    assert hist[0]["status"] == "rescore_pending" and hist[0]["score"] is None
    me = c.get("/v1/me/score", headers=world.person("P2")).json()
    assert me["pending"] is True and me["score"] is None
    # Partners get no stale score while it is recomputed.
    world.grant("P2", "pt-b", "rental_deposit_waiver")
    assert world.threshold(500, "P2", "B").json()["result"] == "not_available"
    from credo.store import excluded_records

    assert excluded_records(world.ctx.engine) == set()  # rejected: the record counts again


def test_export_holds_store_and_lake_records(world: World) -> None:
    world.seed_lake()
    world.grant()
    world.score()
    r = world.client.get("/v1/me/export", headers=world.person())
    assert r.status_code == 200, r.text
    data = r.json()
    assert [s["score"] for s in data["scores"]] == [662]
    assert [a["partner_id"] for a in data["authorizations"]] == ["pt-a"]
    assert [x["record_id"] for x in data["records"]["statement"]] == ["st-1"]
    assert {e["action"] for e in data["audit"]} >= {"authorization.grant", "score.read"}
    assert "password_hash" not in data["account"][0]


def test_sources_push_through_ingest(world: World) -> None:
    """A push is kept and answered at once; the inbox worker puts it through the file
    path's ingest: invalid records quarantined with reasons, re-sent ones not counted."""
    from credo.service.sources import inbox

    c = world.client
    good = {k: v for k, v in world_statement().items() if k != "source_id"}
    bad = {**good, "record_id": "st-9", "status": "'; DROP TABLE people; --"}
    r = c.post("/v1/sources/records", headers=world.source(),
               json={"kind": "statement", "records": [good, bad]})
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "pending" and r.json()["records"] == 2
    where = r.headers["Location"]
    assert where == f"/v1/sources/pushes/{r.json()['id']}"
    assert not world.ctx.lake.files("statement")  # nothing in the lake before the worker
    assert [o.state for o in inbox.drain(world.ctx)] == ["done"]
    done = c.get(where, headers=world.source()).json()
    assert done["state"] == "done" and done["error"] is None
    assert (done["outcome"]["accepted"], done["outcome"]["quarantined"]) == (1, 1)
    again = c.post("/v1/sources/records", headers=world.source(),
                   json={"kind": "statement", "records": [good]})
    inbox.drain(world.ctx)
    outcome = c.get(again.headers["Location"], headers=world.source()).json()["outcome"]
    assert (outcome["duplicate"], outcome["accepted"]) == (1, 0)
    # A partner key is not a source key; a batch is its source's alone.
    assert c.post("/v1/sources/records", headers=world.partner(),
                  json={"kind": "statement", "records": [good]}).status_code == 401
    assert c.get(where, headers=world.partner()).status_code == 401
    assert c.get("/v1/sources/pushes/nope", headers=world.source()).status_code == 404
    actions = [a["action"] for a in c.get("/v1/operator/audit", headers=world.operator(),
                                          params={"limit": 100}).json()]
    assert actions.count("records.push") == 2 and actions.count("records.ingest") == 2


def world_statement() -> dict:
    from .conftest import STATEMENT

    return dict(STATEMENT)


def test_a_locked_lake_never_holds_the_service_up(sqlite_world: World) -> None:
    """While another process writes the lake, pushes are still kept and answered at once,
    health checks and partner reads answer as usual; the worker puts the batches back
    and ingests them, once each, when the lake is free."""
    import threading

    from credo.service.sources import inbox

    world = sqlite_world
    c = world.client
    world.grant()
    good = {k: v for k, v in world_statement().items() if k != "source_id"}
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with world.ctx.lake.writer():
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    try:
        answers = [c.post("/v1/sources/records", headers=world.source(),
                          json={"kind": "statement", "records": [good]}) for _ in range(3)]
        assert [a.status_code for a in answers] == [202] * 3
        assert c.get("/healthz").status_code == 200
        assert world.score().status_code == 200
        assert [o.state for o in inbox.drain(world.ctx, lake_wait=0.2)] == ["pending"]
    finally:
        release.set()
        thread.join()
    assert [o.state for o in inbox.drain(world.ctx)] == ["done"] * 3
    outcomes = [c.get(a.headers["Location"], headers=world.source()).json()["outcome"]
                for a in answers]
    assert sum(o["accepted"] for o in outcomes) == 1
    assert sum(o["duplicate"] for o in outcomes) == 2


def test_decisions_are_audited_as_uphold_and_reject(world: World) -> None:
    from sqlalchemy import select

    from credo.store.models import AuditEvent

    world.seed_lake()
    c = world.client
    for pid, record, verb in (("P1", "st-1", "uphold"), ("P2", "st-2", "reject")):
        d = c.post("/v1/me/disputes", headers=world.person(pid), json={
            "kind": "statement", "source_id": "bank-a", "record_id": record,
            "reason": "not mine"})
        assert d.status_code == 201, d.text
        r = c.post(f"/v1/operator/disputes/{d.json()['id']}/{verb}",
                   headers=world.operator(), json={"note": "checked with the bank"})
        assert r.status_code == 200, r.text
    with world.ctx.session() as s:
        actions = s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("dispute.%")).order_by(AuditEvent.id)).all()
    assert actions == ["dispute.file", "dispute.uphold", "dispute.file", "dispute.reject"]
