"""Security: no access without an authorization, no borrowing of keys or authorizations,
no reading other people, immediate revocation and expiry, hostile input refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from credo.service.audit.logic import count
from credo.store.models import AuditEvent, Authorization, ScoreRecord, now

from .conftest import World

PROBLEM = "application/problem+json"


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["detail"] and body["type"].startswith("urn:")
    return body


def test_unknown_person_and_no_authorization_look_the_same(world: World) -> None:
    a = world.score("P1")  # exists, has a score, no authorization
    b = world.score("NOBODY-123")  # does not exist
    pa, pb = _problem(a, 403), _problem(b, 403)
    assert pa == pb  # identical body (instance is the path, also identical)
    ta, tb = world.threshold(600, "P1"), world.threshold(600, "NOBODY-123")
    assert _problem(ta, 403) == _problem(tb, 403)
    assert "662" not in a.text and "very good" not in a.text


def test_partner_cannot_use_another_partners_authorization(world: World) -> None:
    world.grant("P1", "pt-a", "rental_deposit_waiver")
    assert world.threshold(600, partner="A").json()["result"] == "yes"
    _problem(world.threshold(600, partner="B"), 403)  # B declared the purpose, has no grant


def test_authorization_is_bound_to_its_purpose(world: World) -> None:
    world.grant("P1", "pt-a", "loan")
    assert world.score(purpose="loan").status_code == 200
    _problem(world.score(purpose="rental_deposit_waiver"), 403)


def test_keys_are_checked(world: World) -> None:
    c = world.client
    body = {"person_id": "P1", "purpose": "loan"}
    _problem(c.post("/v1/partner/score", json=body), 401)
    _problem(c.post("/v1/partner/score", json=body, headers={"X-API-Key": "credo_pk_x"}), 401)
    # Another role's key is no partner key.
    _problem(c.post("/v1/partner/score", json=body, headers=world.operator()), 401)
    _problem(c.post("/v1/partner/score", json=body, headers=world.source()), 401)
    # A person token is no partner key, and a partner key is no person token.
    _problem(c.get("/v1/me/score", headers={"Authorization": "Bearer " + world.keys[
        "partner-A"]}), 401)


def test_revoked_key_stops_at_once(world: World) -> None:
    from credo.service.partners.logic import revoke_key

    world.grant()
    assert world.score().status_code == 200
    with world.ctx.session() as s:
        revoke_key(s, "pt-a")
    _problem(world.score(), 401)


def test_revoked_and_expired_authorizations_stop_at_once(world: World) -> None:
    auth = world.grant()
    assert world.score().status_code == 200
    with world.ctx.session() as s:
        s.execute(update(Authorization).where(Authorization.id == auth["id"])
                  .values(expires_at=now() - timedelta(seconds=1)))
        s.commit()
    _problem(world.score(), 403)
    listed = world.client.get("/v1/me/authorizations", headers=world.person()).json()
    assert listed[0]["state"] == "expired"
    auth2 = world.grant()  # granting again makes the expired one active again
    assert auth2["id"] == auth["id"] and auth2["state"] == "active"
    assert world.score().status_code == 200
    world.client.delete(f"/v1/me/authorizations/{auth2['id']}", headers=world.person())
    _problem(world.score(), 403)


def test_a_person_cannot_reach_another_person(world: World) -> None:
    c = world.client
    auth = world.grant("P1")
    # P2 cannot revoke P1's authorization, nor see P1's disputes.
    _problem(c.delete(f"/v1/me/authorizations/{auth['id']}", headers=world.person("P2")), 404)
    assert world.score().status_code == 200
    assert c.get("/v1/me/authorizations", headers=world.person("P2")).json() == []
    world.seed_lake()
    d = c.post("/v1/me/disputes", headers=world.person("P1"), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1", "reason": "wrong"})
    _problem(c.get(f"/v1/me/disputes/{d.json()['id']}", headers=world.person("P2")), 404)
    # P2 cannot dispute P1's record: it reads as no such record.
    _problem(c.post("/v1/me/disputes", headers=world.person("P2"), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1", "reason": "x"}), 404)
    assert c.get("/v1/me/score", headers=world.person("P2")).json()["score"]["score"] == 540
    # P3 has no score at all.
    assert c.get("/v1/me/score", headers=world.person("P3")).json()["score"] is None


def test_logout_ends_the_session(world: World) -> None:
    c = world.client
    assert c.post("/v1/me/logout", headers=world.person()).status_code == 204
    _problem(c.get("/v1/me/score", headers=world.person()), 401)


def test_refused_purposes_are_explained(world: World) -> None:
    from credo.policy.purposes import PurposeRefusedError
    from credo.service.partners.logic import register_partner

    for purpose in ("employment_screening", "internet_speed", "travel",
                    "administrative_services", "anything_else"):
        with world.ctx.session() as s, pytest.raises(PurposeRefusedError,
                                                     match=r"Art\. 5"):
            register_partner(s, world.ctx.pepper, name="X", purposes=[purpose])
        r = world.client.post("/v1/me/authorizations", headers=world.person(),
                              json={"partner_id": "pt-a", "purpose": purpose})
        assert "Art. 5" in _problem(r, 422)["detail"]


HOSTILE = [
    "' OR 1=1 --", "P1'; DROP TABLE people; --", "../../etc/passwd", "P1\x00", "Ｐ1",
    "P\u200b1", "P1\u202e", "𝐏1", "%00", "<script>alert(1)</script>", "P" * 129, "",
]


@pytest.mark.parametrize("person_id", HOSTILE)
def test_hostile_person_ids_are_refused_and_change_nothing(world: World,
                                                           person_id: str) -> None:
    world.grant()
    before = count_rows(world)
    r = world.client.post("/v1/partner/score", headers=world.partner(),
                          json={"person_id": person_id, "purpose": "loan"})
    body = _problem(r, 422)
    assert "person_id" in body["detail"]
    assert person_id not in r.text or person_id in ("", "%00")  # never echoed back
    assert count_rows(world) == before


@pytest.mark.parametrize("payload", [
    {"person_id": "P1", "purpose": "rental_deposit_waiver", "threshold": 10**40},
    {"person_id": "P1", "purpose": "rental_deposit_waiver", "threshold": -1},
    {"person_id": "P1", "purpose": "rental_deposit_waiver", "threshold": 1e308},
    {"person_id": "P1", "purpose": "rental_deposit_waiver", "threshold": "650; --"},
    {"person_id": "P1", "purpose": "rental_deposit_waiver"},
    {"person_id": ["P1"], "purpose": "rental_deposit_waiver", "threshold": 650},
    {"person_id": "P1", "purpose": "x" * 10_000, "threshold": 650},
])
def test_bad_threshold_requests_get_422(world: World, payload: dict) -> None:
    world.grant(purpose="rental_deposit_waiver")
    before = count_rows(world)
    r = world.client.post("/v1/partner/threshold-check", headers=world.partner(),
                          json=payload)
    _problem(r, 422)
    assert count_rows(world) == before


def test_malformed_and_oversized_bodies(world: World) -> None:
    c = world.client
    h = {**world.partner(), "content-type": "application/json"}
    _problem(c.post("/v1/partner/score", headers=h, content=b"{not json"), 422)
    assert "UTF-8 JSON" in _problem(
        c.post("/v1/partner/score", headers=h, content=b"\xff\xfe\x00"), 400)["detail"]
    _problem(c.post("/v1/partner/score", headers=h, content=b"[" * 100_000 + b"]" * 100_000),
             413)
    big = b'{"person_id": "P1", "purpose": "loan", "pad": "' + b"x" * 70_000 + b'"}'
    _problem(c.post("/v1/partner/score", headers=h, content=big), 413)
    _problem(c.get("/v1/nowhere"), 404)
    _problem(c.put("/v1/partner/score", headers=h, content=b"{}"), 405)


def test_rate_limit_per_key(tmp_path) -> None:
    from .conftest import build_world

    w = build_world(tmp_path, f"sqlite:///{tmp_path / 'rl.db'}", rate=3)
    try:
        codes = [w.score().status_code for _ in range(5)]
        assert codes[:3] == [403, 403, 403] and codes[3:] == [429, 429]
        r = w.score()
        _problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1
        # Another partner's bucket is untouched.
        assert w.score(partner="B", purpose="rental_deposit_waiver").status_code == 403
    finally:
        w.client.close()
        w.ctx.close()


def count_rows(world: World) -> tuple[int, int, int]:
    with world.ctx.session() as s:
        return (count(s),
                s.scalar(select(func.count()).select_from(Authorization)) or 0,
                s.scalar(select(func.count()).select_from(ScoreRecord)) or 0)


def test_audit_rows_are_never_rewritten_through_the_api(world: World) -> None:
    world.grant()
    world.score()
    with world.ctx.session() as s:
        first = [(e.id, e.action, e.outcome) for e in s.scalars(select(AuditEvent))]
    world.client.delete("/v1/me/authorizations/00000000-0000-0000-0000-000000000000",
                        headers=world.person())
    with world.ctx.session() as s:
        after = [(e.id, e.action, e.outcome) for e in s.scalars(select(AuditEvent))]
    assert after[: len(first)] == first


@pytest.mark.parametrize("value", ["P1\n", "bank-a\n", "P1\r\n"])
def test_ids_with_a_trailing_newline_are_refused(world: World, value: str) -> None:
    from credo.data.ingest import check_target
    from credo.errors import InputError
    from credo.service.errors import InvalidRequestError
    from credo.service.ids import check_id

    with pytest.raises(InvalidRequestError):
        check_id(value, "id")
    with pytest.raises(InputError):
        check_target(value, "statement")
    r = world.client.post("/v1/me/disputes", headers=world.person(), json={
        "kind": "statement", "source_id": value, "record_id": "st-1", "reason": "wrong"})
    _problem(r, 422)


def test_a_chunked_body_over_the_cap_gets_413(world: World) -> None:
    def chunks():
        yield b'{"person_id": "P1", "purpose": "loan", "pad": "'
        for _ in range(10):
            yield b"x" * 10_000
        yield b'"}'

    h = {**world.partner(), "content-type": "application/json"}
    r = world.client.post("/v1/partner/score", headers=h, content=chunks())
    assert "content-length" not in r.request.headers
    _problem(r, 413)


def test_every_answer_says_no_store_and_nosniff(world: World) -> None:
    c = world.client
    answers = [c.get("/v1/me/score", headers=world.person()),
               c.get("/v1/me/export", headers=world.person()),
               c.get("/v1/operator/disputes", headers=world.operator()),
               world.score(), c.get("/v1/me/score"), c.get("/v1/nowhere"), c.get("/healthz"),
               c.post("/v1/partner/score", headers=world.partner(), content=b"x" * 70_000)]
    for r in answers:
        assert r.headers["cache-control"] == "no-store", r.request.url
        assert r.headers["x-content-type-options"] == "nosniff", r.request.url


def test_operator_reads_of_disputes_are_audited(world: World) -> None:
    world.seed_lake()
    r = world.client.post("/v1/me/disputes", headers=world.person(), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1", "reason": "wrong"})
    assert r.status_code == 201, r.text
    r = world.client.get("/v1/operator/disputes?status=open", headers=world.operator())
    assert r.status_code == 200 and len(r.json()) == 1
    with world.ctx.session() as s:
        e = s.scalars(select(AuditEvent).where(AuditEvent.action == "disputes.read")).one()
    assert (e.actor_role, e.actor_id, e.detail["rows"], e.detail["status"]) == (
        "operator", "op-1", 1, "open")
    assert e.detail["people"] == ["P1"]


def test_a_suspended_partner_is_refused_like_one_without_authorization(world: World) -> None:
    world.grant("P1", "pt-a", "loan")
    assert world.score().status_code == 200
    ops = world.operator()
    r = world.client.post("/v1/operator/partners/pt-a/suspend", headers=ops)
    assert r.status_code == 200 and r.json()["active"] is False
    refused = _problem(world.score(), 403)
    none = _problem(world.score(partner="B", purpose="rental_deposit_waiver"), 403)
    assert (refused["type"], refused["title"]) == (none["type"], none["title"])
    _problem(world.threshold(600, purpose="loan"), 403)
    _problem(world.client.get("/v1/partner", headers=world.partner()), 403)
    r = world.client.post("/v1/operator/partners/pt-a/reactivate", headers=ops)
    assert r.status_code == 200 and r.json()["active"] is True
    assert world.score().status_code == 200
    with world.ctx.session() as s:
        actions = [(e.action, e.outcome) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.partner_id == "pt-a")
            .order_by(AuditEvent.id))]
    assert ("partner.suspend", "ok") in actions and ("partner.reactivate", "ok") in actions
    assert ("score.read", "denied") in actions  # the person sees the refused look too
    _problem(world.client.post("/v1/operator/partners/nobody/suspend", headers=ops), 404)


def test_revoking_an_operators_key_stops_it_at_once(world: World) -> None:
    from credo.service.keys import issue_key

    with world.ctx.session() as s:
        other = issue_key(s, "operator", "op-2", world.ctx.pepper)
        s.commit()
    listed = world.client.get("/v1/operator/operators", headers=world.operator())
    assert {k["operator"] for k in listed.json()} == {"op-1", "op-2"}
    assert all(k["revoked_at"] is None for k in listed.json())
    assert world.client.get("/v1/operator/disputes", headers={"X-API-Key": other}
                            ).status_code == 200
    r = world.client.post("/v1/operator/operators/op-2/revoke-key", headers=world.operator())
    assert r.status_code == 200 and r.json()["revoked"] == 1
    _problem(world.client.get("/v1/operator/disputes", headers={"X-API-Key": other}), 401)
    _problem(world.client.post("/v1/operator/operators/op-2/revoke-key",
                               headers=world.operator()), 404)
    with world.ctx.session() as s:
        e = s.scalars(select(AuditEvent).where(AuditEvent.action == "operator.revoke_key")
                      ).one()
    assert (e.actor_id, e.detail["operator"]) == ("op-1", "op-2")


def test_the_operator_and_partner_commands(world: World, monkeypatch, capsys) -> None:
    from credo.service.keys import issue_key
    from tests.cli import invoke

    with world.ctx.session() as s:
        issue_key(s, "operator", "op-3", world.ctx.pepper)
        s.commit()
    monkeypatch.setenv("CREDO_HOME", str(world.ctx.settings.home))
    monkeypatch.setenv("CREDO_DATABASE_URL", world.ctx.settings.database)
    monkeypatch.setenv("CREDO_PEPPER", world.ctx.pepper.decode())
    code, listed, err = invoke(monkeypatch, capsys, "operator", "list")
    assert code == 0 and "op-3" in listed, err
    code, said, err = invoke(monkeypatch, capsys, "operator", "revoke-key", "op-3")
    assert code == 0 and "revoked 1" in said, err
    code, _, err = invoke(monkeypatch, capsys, "partner", "suspend", "pt-b")
    assert code == 0, err
    _problem(world.threshold(600, partner="B"), 403)
    assert invoke(monkeypatch, capsys, "partner", "reactivate", "pt-b")[0] == 0
    world.grant("P1", "pt-b", "rental_deposit_waiver")
    assert world.threshold(600, partner="B").status_code == 200
    with world.ctx.session() as s:
        actions = {e.action for e in s.scalars(select(AuditEvent).where(
            AuditEvent.actor_id.like("cli:%")))}
    assert {"operator.revoke_key", "partner.suspend", "partner.reactivate"} <= actions


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password1234", "qwertyuiopasdf",
                                      "123456789012", "abcdefghijklm", "P3P3P3P3P3P3P3"])
def test_common_and_repetitive_passwords_are_refused(world: World, password: str) -> None:
    from credo.service.people.logic import enroll

    with world.ctx.session() as s:
        code = enroll(s, world.ctx.pepper, "P3")
    r = world.client.post("/v1/people/activate", json={
        "person_id": "P3", "activation_code": code, "password": password})
    body = _problem(r, 422)
    assert "password" in body["detail"] and password not in body["detail"]
    r = world.client.post("/v1/people/activate", json={
        "person_id": "P3", "activation_code": code, "password": "quiet otter under 7 bridges"})
    assert r.status_code == 204, r.text  # the code was not spent by the refusal


def _activate(world: World, pid: str, password: str) -> None:
    from credo.service.people.logic import enroll

    with world.ctx.session() as s:
        code = enroll(s, world.ctx.pepper, pid)
    r = world.client.post("/v1/people/activate", json={
        "person_id": pid, "activation_code": code, "password": password})
    assert r.status_code == 204, r.text


def test_password_guessing_backs_off_per_person(world: World) -> None:
    from credo.store.models import LoginFailure

    right = "quiet otter under 7 bridges"
    _activate(world, "P3", right)
    codes = [world.client.post("/v1/people/login", json={
        "person_id": "P3", "password": f"wrong guess {i}"}).status_code for i in range(60)]
    assert codes[:5] == [401] * 5 and codes.count(429) >= 50, codes
    r = world.client.post("/v1/people/login", json={"person_id": "P3", "password": right})
    body = _problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1 and "P3" not in body["detail"]
    with world.ctx.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "person.login",
                                                    AuditEvent.actor_id == "P3")).all()
        outcomes = [e.outcome for e in events]
        assert outcomes.count("failed") == codes.count(401)
        assert outcomes.count("throttled") == codes.count(429) + 1
        assert all(e.person_id == "P3" and e.detail["client"] for e in events)
        # Once the wait is over, the right password works and the count starts afresh.
        s.execute(update(LoginFailure).values(blocked_until=now() - timedelta(seconds=1)))
        s.commit()
    r = world.client.post("/v1/people/login", json={"person_id": "P3", "password": right})
    assert r.status_code == 200, r.text
    r = world.client.post("/v1/people/login", json={"person_id": "P3", "password": "nope"})
    assert r.status_code == 401


def test_password_guessing_backs_off_per_client(world: World) -> None:
    from fastapi.testclient import TestClient

    right = "quiet otter under 7 bridges"
    _activate(world, "P3", right)
    codes = [world.client.post("/v1/people/login", json={
        "person_id": f"X{i}", "password": "wrong guess"}).status_code for i in range(30)]
    assert codes[:20] == [401] * 20 and codes[-1] == 429, codes
    r = world.client.post("/v1/people/login", json={"person_id": "P3", "password": right})
    _problem(r, 429)  # the same address, another person: still waiting
    other = TestClient(world.client.app, client=("192.0.2.7", 40000))
    r = other.post("/v1/people/login", json={"person_id": "P3", "password": right})
    assert r.status_code == 200, r.text
