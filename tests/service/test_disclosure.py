"""What a partner receives is defined once (credo.policy.disclosure): the partner's
answers, the consent text the API and the portal show, and the yes / no only scope."""

from __future__ import annotations

import pytest

from credo.policy.disclosure import (
    DISCLOSURES,
    SCOPES,
    SCORE,
    THRESHOLD_ONLY,
    disclosure,
    score_fields,
    threshold_fields,
)
from credo.policy.purposes import PERMITTED
from credo.service.scores.schemas import PartnerScoreOut, ThresholdOut

from .conftest import World

NEVER = ("probability_of_default", "sub_scores", "bin", "points_lost", "model_id", "run_id",
         "credit_history", "fulfilment_capacity", "feature")


def test_every_purpose_and_scope_is_defined() -> None:
    assert set(DISCLOSURES) == set(PERMITTED)
    for by_scope in DISCLOSURES.values():
        assert set(by_scope) == set(SCOPES)
    assert tuple(PartnerScoreOut.model_fields) == score_fields()
    assert tuple(ThresholdOut.model_fields) == threshold_fields()


def test_the_partner_receives_exactly_the_defined_fields(world: World) -> None:
    world.grant()
    r = world.score()
    assert r.status_code == 200, r.text
    body = r.json()
    shown = disclosure("loan", SCORE)
    assert tuple(body) == shown.echoed + shown.fields
    assert body == {
        "person_id": "P1", "purpose": "loan", "as_of": "2026-01-31", "score": 662,
        "band": "very good",
        "benefits": body["benefits"],
        "reasons": [{"description": "credit cards used close to their limit"},
                    {"description": "payments made late in the last year"}],
        "fraud_alert": None,
    }
    assert set(body["benefits"]) == {"band", "credit_line_multiple", "deposit_waiver",
                                      "instalments"}
    for word in NEVER:
        assert f'"{word}"' not in r.text
    assert "80-100%" not in r.text and "0.031" not in r.text  # the raw bin, the PD
    doc = world.client.get("/openapi.json").json()["components"]["schemas"]
    assert tuple(doc["PartnerScoreOut"]["properties"]) == shown.echoed + shown.fields


def test_the_consent_text_matches_the_answer_field_by_field(world: World) -> None:
    published = world.client.get("/v1/disclosure").json()
    assert {(d["purpose"], d["scope"]) for d in published} == {
        (p, s) for p in PERMITTED for s in SCOPES}
    for d in published:
        defined = disclosure(d["purpose"], d["scope"])
        assert [f["field"] for f in d["fields"]] == list(defined.fields)
        for item in d["fields"]:
            assert item["says"] in d["consent"]
    world.grant(purpose="loan")
    world.grant(purpose="rental_deposit_waiver", scope=THRESHOLD_ONLY)
    score = world.score(purpose="loan").json()
    check = world.threshold(600).json()
    by = {(d["purpose"], d["scope"]): d for d in published}
    for answer, key in ((score, ("loan", SCORE)),
                        (check, ("rental_deposit_waiver", THRESHOLD_ONLY))):
        d = by[key]
        assert list(answer) == d["echoed"] + [f["field"] for f in d["fields"]]
    # The person's own authorizations carry the same text.
    mine = world.client.get("/v1/me/authorizations", headers=world.person()).json()
    for a in mine:
        d = by[(a["purpose"], a["scope"])]
        assert a["shares"] == [f["field"] for f in d["fields"]]
        assert a["consent"] == d["consent"]


def test_yes_no_only_answers_the_threshold_check_and_never_the_score(world: World) -> None:
    a = world.grant(purpose="rental_deposit_waiver", scope=THRESHOLD_ONLY)
    assert a["scope"] == THRESHOLD_ONLY and a["shares"] == ["result", "adverse_reasons",
                                                           "fraud_alert"]
    r = world.score(purpose="rental_deposit_waiver")
    assert r.status_code == 403
    assert r.json()["type"] == "urn:credo:problem:threshold-only"
    assert "662" not in r.text
    assert world.threshold(650).json()["result"] == "yes"
    log = world.client.get("/v1/me/access-log", headers=world.person()).json()
    assert [(e["action"], e["outcome"]) for e in log] == [
        ("score.threshold", "granted"), ("score.read", "threshold_only")]


@pytest.mark.parametrize("scope", ["everything", "SCORE", ""])
def test_an_unknown_scope_is_refused(world: World, scope: str) -> None:
    r = world.client.post("/v1/me/authorizations", headers=world.person(),
                          json={"partner_id": "pt-a", "purpose": "loan", "scope": scope})
    assert r.status_code == 422
    assert world.client.get("/v1/me/authorizations", headers=world.person()).json() == []
