"""A partner's threshold check answered "no" carries its principal reasons (Reg B): the
partner receives the reason codes and their words, and the person's access log shows the
same reasons, never "score too low"."""

from __future__ import annotations

from credo.policy.disclosure import THRESHOLD_ONLY, disclosure

from .conftest import World

EXPECTED = [{"code": "utilisation", "description": "credit cards used close to their limit"},
            {"code": "late_payments", "description": "payments made late in the last year"}]


def test_a_no_carries_its_principal_reasons_to_the_partner_and_the_person(world: World):
    world.grant(purpose="rental_deposit_waiver", scope=THRESHOLD_ONLY)
    no = world.threshold(700)
    assert no.status_code == 200, no.text
    assert no.json()["result"] == "no"
    assert no.json()["adverse_reasons"] == EXPECTED
    yes = world.threshold(600).json()
    assert yes["result"] == "yes" and yes["adverse_reasons"] == []
    for word in ("bin", "points_lost", "80-100%", "score too low", "662"):
        assert word not in no.text
    log = world.client.get("/v1/me/access-log", headers=world.person()).json()
    checks = [e for e in log if e["action"] == "score.threshold"]
    assert [(e["result"], e["reasons"]) for e in checks] == [
        ("yes", []), ("no", [r["description"] for r in EXPECTED])]


def test_the_consent_text_says_a_no_comes_with_its_reasons() -> None:
    shown = disclosure("loan", THRESHOLD_ONLY)
    assert shown.fields == ("result", "adverse_reasons")
    assert "principal reasons" in shown.consent_text()


def test_no_reasons_when_the_partner_may_not_know_the_answer(world: World) -> None:
    r = world.threshold(700)  # no authorization
    assert r.status_code == 403
    assert "adverse_reasons" not in r.text
