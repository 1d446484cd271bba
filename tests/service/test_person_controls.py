"""The person's controls over the API: freeze, fraud alert, notifications, human review."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from credo.store.models import AuditEvent, Notification, OutboxMessage

from .conftest import World


def controls(world: World, method: str, path: str, pid: str = "P1") -> Any:
    return world.client.request(method, f"/v1/me/{path}", headers=world.person(pid))


def notices(world: World, pid: str = "P1") -> list[dict[str, Any]]:
    r = world.client.get("/v1/me/notifications", headers=world.person(pid))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_freeze_refuses_every_partner_read_until_lifted(world: World) -> None:
    world.grant()
    world.grant(purpose="rental_deposit_waiver", scope="threshold_only")
    assert world.score().status_code == 200
    frozen = controls(world, "POST", "freeze")
    assert frozen.status_code == 200 and frozen.json()["frozen"] is True
    # The authorized partner learns the file is frozen; one never let in learns nothing.
    refused = world.score()
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:credo:problem:file-frozen"
    assert "662" not in refused.text
    assert world.threshold(600).json()["type"] == "urn:credo:problem:file-frozen"
    stranger = world.score(partner="B", purpose="rental_deposit_waiver")
    unknown = world.score(pid="NOBODY", partner="B", purpose="rental_deposit_waiver")
    assert stranger.status_code == unknown.status_code == 403
    assert stranger.json()["type"] == unknown.json()["type"] == \
        "urn:credo:problem:no-authorization"
    assert stranger.json()["detail"] == unknown.json()["detail"]
    log = world.client.get("/v1/me/access-log", headers=world.person()).json()
    assert [(e["by"], e["action"], e["outcome"]) for e in log[:5]] == [
        ("partner", "score.read", "frozen"), ("partner", "score.threshold", "frozen"),
        ("partner", "score.read", "frozen"), ("you", "file.freeze", "ok"),
        ("partner", "score.read", "granted")]
    assert log[0]["partner_id"] == "pt-b"
    assert controls(world, "DELETE", "freeze").json()["frozen"] is False
    assert world.score().status_code == 200  # lifted at once
    titles = [n["title"] for n in notices(world)]
    assert "Your file is frozen" in titles and "Your file is no longer frozen" in titles
    assert any("it was refused: your file is frozen" in t for t in titles)


@pytest.mark.parametrize(("first", "again"), [("POST", "POST"), ("DELETE", "DELETE")])
def test_freezing_twice_or_lifting_no_freeze_is_a_conflict(world: World, first: str,
                                                             again: str) -> None:
    if first == "POST":
        assert controls(world, "POST", "freeze").status_code == 200
    r = controls(world, again, "freeze")
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "freeze" in r.json()["detail"]


def test_a_fraud_alert_reaches_every_answer_a_partner_receives(world: World) -> None:
    world.grant()
    world.grant(purpose="rental_deposit_waiver")
    assert world.score().json()["fraud_alert"] is None
    placed = controls(world, "POST", "fraud-alert")
    assert placed.status_code == 200 and placed.json()["fraud_alert"] is True
    alert = world.score().json()["fraud_alert"]
    assert "verify their identity before granting credit" in alert["instruction"]
    assert alert["since"] == placed.json()["fraud_alert_at"][:10]
    assert world.threshold(600).json()["fraud_alert"] == alert
    assert controls(world, "POST", "fraud-alert").status_code == 409
    assert controls(world, "DELETE", "fraud-alert").json()["fraud_alert"] is False
    assert world.score().json()["fraud_alert"] is None
    assert controls(world, "DELETE", "fraud-alert").status_code == 409
    with world.ctx.session() as s:
        actions = s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("fraud_alert.%")).order_by(AuditEvent.id)).all()
    assert actions == ["fraud_alert.place", "fraud_alert.lift"]


def test_every_partner_access_granted_or_refused_is_a_notification(world: World) -> None:
    world.grant()
    world.score()
    world.score(partner="B", purpose="rental_deposit_waiver")
    world.score(purpose="employment_screening")
    world.grant(purpose="rental_deposit_waiver")
    world.threshold(700)
    titles = [n["title"] for n in notices(world) if n["kind"] == "access"]
    assert titles == [
        "Lender A asked whether your score reaches 700 (rental deposit waiver): the "
        "answer was no",
        "Lender A asked for your score (employment screening): it was refused: that is "
        "not a credit purpose",
        "Landlord B asked for your score (rental deposit waiver): it was refused: the "
        "partner has no authorization from you",
        "Lender A asked for your score (loan): it was shown"]
    # Nobody is notified about a person who is not enrolled.
    world.score(pid="NOBODY")
    with world.ctx.session() as s:
        assert s.scalars(select(Notification).where(
            Notification.person_id == "NOBODY")).all() == []


def test_notifications_are_marked_read_once(world: World) -> None:
    controls(world, "POST", "freeze")
    controls(world, "DELETE", "freeze")
    unread = world.client.get("/v1/me/notifications?unread=true",
                              headers=world.person()).json()
    assert len(unread) == 2
    one = world.client.post(f"/v1/me/notifications/{unread[0]['id']}/read",
                            headers=world.person())
    assert one.json() == {"marked": 1}
    assert world.client.post("/v1/me/notifications/read", headers=world.person()
                             ).json() == {"marked": 1}
    assert world.client.post("/v1/me/notifications/read", headers=world.person()
                             ).json() == {"marked": 0}
    # Another person's notice reads as missing.
    other = world.client.post(f"/v1/me/notifications/{unread[0]['id']}/read",
                              headers=world.person("P2"))
    assert other.status_code == 404


def test_an_authorization_about_to_expire_is_noticed_once(world: World) -> None:
    world.grant(days=3)
    world.grant(purpose="rental_deposit_waiver", days=90)
    first = [n for n in notices(world) if n["kind"] == "authorization_expiring"]
    again = [n for n in notices(world) if n["kind"] == "authorization_expiring"]
    assert len(first) == len(again) == 1
    assert first[0]["title"] == "Your authorization for Lender A ends in 3 days"


def test_dispute_and_band_change_notices(world: World) -> None:
    world.seed_lake()
    d = world.client.post("/v1/me/disputes", headers=world.person(), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1",
        "reason": "I paid this statement on time."}).json()
    world.client.post(f"/v1/operator/disputes/{d['id']}/uphold", headers=world.operator(),
                      json={"note": "The bank confirmed the payment."})
    kinds = {n["kind"]: n for n in notices(world)}
    assert "The bank confirmed the payment." in kinds["dispute"]["body"]
    # The rescorer gives 690: from very good (662) to very good, no band change; P1's
    # next monthly score of 720 is excellent.
    assert "band_change" not in kinds
    from datetime import date

    from credo.store.publish import publish_snapshot, write_snapshot

    from .conftest import snapshot_row
    with world.ctx.session() as s:
        snap = write_snapshot(world.ctx.settings.home / "feb.parquet", [
            snapshot_row("P1", 720, "run-2026-02", date(2026, 2, 28)),
            snapshot_row("P2", 545, "run-2026-02", date(2026, 2, 28))])
        publish_snapshot(s, snap)
    bands = [n for n in notices(world) if n["kind"] == "band_change"]
    assert [n["title"] for n in bands] == ["Your score band changed from very good to "
                                           "excellent"]
    assert not [n for n in notices(world, "P2") if n["kind"] == "band_change"]


@pytest.mark.parametrize("body", [
    {"email": "not an address", "email_on": False},
    {"email": "a@b", "email_on": False},
    {"email": None, "email_on": True},
    {"email": "x" * 300 + "@example.org", "email_on": False},
])
def test_bad_email_settings_are_refused(world: World, body: dict[str, Any]) -> None:
    r = world.client.put("/v1/me/notification-settings", headers=world.person(), json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_email_needs_a_configured_server(world: World) -> None:
    r = world.client.put("/v1/me/notification-settings", headers=world.person(),
                         json={"email": "p1@example.org", "email_on": True})
    assert r.status_code == 422 and "no SMTP server" in r.json()["detail"]
    off = world.client.put("/v1/me/notification-settings", headers=world.person(),
                           json={"email": "p1@example.org", "email_on": False})
    assert off.json() == {"email": "p1@example.org", "email_on": False, "can_send": False}
    controls(world, "POST", "freeze")
    with world.ctx.session() as s:
        assert s.scalars(select(OutboxMessage)).all() == []  # e-mail is off: none queued


def test_a_human_review_is_asked_queued_and_decided(world: World) -> None:
    asked = world.client.post("/v1/me/reviews", headers=world.person(), json={
        "statement": "My income doubled this year; the score ignores it."})
    assert asked.status_code == 201, asked.text
    review = asked.json()
    assert review["score"] == 662 and review["status"] == "open"
    assert review["days_left"] in range(28, 32)
    again = world.client.post("/v1/me/reviews", headers=world.person(),
                              json={"statement": "again"})
    assert again.status_code == 409
    queue = world.client.get("/v1/operator/reviews?status=open", headers=world.operator())
    assert [r["id"] for r in queue.json()] == [review["id"]]
    assert queue.json()[0]["reasons"][0]["feature"] == "utilisation"
    decided = world.client.post(f"/v1/operator/reviews/{review['id']}/confirm",
                                headers=world.operator(),
                                json={"reasons": "Income is not reported by any source."})
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    assert world.client.post(f"/v1/operator/reviews/{review['id']}/withdraw",
                             headers=world.operator(),
                             json={"reasons": "late"}).status_code == 409
    mine = world.client.get(f"/v1/me/reviews/{review['id']}", headers=world.person()).json()
    assert mine["decision"] == "Income is not reported by any source."
    assert any(n["kind"] == "review" and "stands" in n["title"] for n in notices(world))
    assert world.client.get(f"/v1/me/reviews/{review['id']}",
                            headers=world.person("P2")).status_code == 404


def test_a_withdrawn_score_is_shared_with_nobody(world: World) -> None:
    world.grant()
    review = world.client.post("/v1/me/reviews", headers=world.person(), json={
        "statement": "A record of someone else is on my file."}).json()
    world.client.post(f"/v1/operator/reviews/{review['id']}/withdraw",
                      headers=world.operator(), json={"reasons": "The file mixes two people."})
    assert world.score().status_code == 404
    me = world.client.get("/v1/me/score", headers=world.person()).json()
    assert me["score"] is None and me["pending"] is True


@pytest.mark.parametrize("body", [{"statement": ""}, {"statement": "   "},
                                  {"statement": "x" * 2001}, {"statement": "a\u202eb"}, {}])
def test_a_bad_review_request_is_refused(world: World, body: dict[str, Any]) -> None:
    r = world.client.post("/v1/me/reviews", headers=world.person(), json=body)
    assert r.status_code == 422, r.text


def test_no_score_no_review(world: World) -> None:
    r = world.client.post("/v1/me/reviews", headers=world.person("P3"),
                          json={"statement": "Why have I no score?"})
    assert r.status_code == 404 and "no current score" in r.json()["detail"]
