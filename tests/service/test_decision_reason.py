"""A dispute decision needs a reason: non-empty once trimmed, bounded, stored, and shown to
the person (API and the person's records page), whether it is decided over the API, the
CLI's function or the console."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from credo.service.people.logic import activate, enroll
from credo.store.models import AuditEvent, Dispute

from .conftest import World

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def _file(world: World) -> str:
    world.seed_lake()
    r = world.client.post("/v1/me/disputes", headers=world.person(), json={
        "kind": "statement", "source_id": "bank-a", "record_id": "st-1",
        "reason": "I paid this statement on time."})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _still_open(world: World, dispute_id: str) -> None:
    with world.ctx.session() as s:
        assert s.get(Dispute, dispute_id).status == "open"  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(("dispute.uphold", "dispute.reject")))) == 0


def test_the_api_refuses_a_decision_without_a_reason(world: World) -> None:
    dispute_id = _file(world)
    for body in ({}, {"note": ""}, {"note": "  \n\t "}, {"note": "x" * 2001}):
        r = world.client.post(f"/v1/operator/disputes/{dispute_id}/reject",
                              headers=world.operator(), json=body)
        assert r.status_code == 422, (body, r.text)
    _still_open(world, dispute_id)


def test_the_console_needs_a_reason_and_the_person_reads_it(world: World) -> None:
    dispute_id = _file(world)
    console = world.client.__class__(world.client.app, follow_redirects=False)
    token = _csrf(console.get("/console/login").text)
    r = console.post("/console/login", data={"api_key": world.operator()["X-API-Key"],
                                              "csrf": token})
    assert r.status_code == 303, r.text[:300]
    page = console.get("/console/disputes").text
    token = _csrf(page)
    for note in ("", "   "):
        r = console.post(f"/console/disputes/{dispute_id}",
                         data={"outcome": "rejected", "note": note, "csrf": token})
        assert r.status_code == 422, r.text[:300]
        assert "reason" in r.text
    _still_open(world, dispute_id)
    r = console.post(f"/console/disputes/{dispute_id}", data={
        "outcome": "rejected", "note": "  The bank sent its ledger: paid 45 days late.  ",
        "csrf": token})
    assert r.status_code == 303, r.text[:300]
    reason = "The bank sent its ledger: paid 45 days late."
    mine = world.client.get("/v1/me/disputes", headers=world.person()).json()
    assert [(d["status"], d["resolution_note"]) for d in mine] == [("rejected", reason)]
    with world.ctx.session() as s:  # the person signs in to the portal with a password
        code = enroll(s, world.ctx.pepper, "P1")
        activate(s, world.ctx.pepper, "P1", code, "a password of P1's own")
    web = world.client.__class__(world.client.app, follow_redirects=False)
    token = _csrf(web.get("/login").text)
    r = web.post("/login", data={"person_id": "P1", "password": "a password of P1's own",
                                 "csrf": token})
    assert r.status_code == 303, r.text[:300]
    records = web.get("/me/records").text
    assert reason in records and "in the console" not in records
