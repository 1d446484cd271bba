"""A partner's refused request says why (a use outside credit, with the reason and the
law, or a purpose it never declared) and the answer never depends on the person."""

from __future__ import annotations

import pytest

from credo.policy.purposes import LAW

from .conftest import World


def _same_for_everyone(world: World, call) -> dict:
    answers = [call(pid) for pid in ("P1", "P2", "P3", "NOBODY")]
    assert {r.status_code for r in answers} == {403}
    bodies = [r.json() for r in answers]
    assert all(b == bodies[0] for b in bodies), "the answer depends on the person"
    return bodies[0]


@pytest.mark.parametrize(("purpose", "reason"), [
    ("employment_screening", "screening job applicants or employees"),
    ("travel", "allowing or refusing travel, tickets or hotel bookings"),
    ("anything_else", "the purpose 'anything_else'"),
])
def test_a_purpose_outside_credit_is_refused_with_the_reason_and_the_law(
        world: World, purpose: str, reason: str) -> None:
    world.grant()  # P1 authorized pt-a for loan: nothing about it may show
    for call in (lambda pid: world.score(pid, purpose=purpose),
                 lambda pid: world.threshold(600, pid, purpose=purpose)):
        body = _same_for_everyone(world, call)
        assert body["type"] == "urn:credo:problem:purpose-refused"
        assert body["reason"] == reason and body["law"] == LAW
        assert "Art. 5(1)(c)" in body["detail"] and reason in body["detail"]
    log = world.client.get("/v1/me/access-log", headers=world.person()).json()
    assert {(e["purpose"], e["outcome"]) for e in log} == {(purpose, "purpose_refused")}


def test_a_purpose_the_partner_never_declared_is_named(world: World) -> None:
    world.grant(partner="pt-b", purpose="rental_deposit_waiver")
    for call in (lambda pid: world.score(pid, partner="B", purpose="loan"),
                 lambda pid: world.threshold(600, pid, partner="B", purpose="loan")):
        body = _same_for_everyone(world, call)
        assert body["type"] == "urn:credo:problem:purpose-not-declared"
        assert body["declared"] == ["rental_deposit_waiver"]
        assert "'loan'" in body["detail"] and "rental_deposit_waiver" in body["detail"]


def test_a_declared_purpose_without_authorization_still_reveals_nothing(world: World
                                                                        ) -> None:
    body = _same_for_everyone(world, lambda pid: world.score(pid, purpose="loan"))
    assert body["type"] == "urn:credo:problem:no-authorization"
