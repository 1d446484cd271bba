"""The person's controls over HTTP: the exact what-if, the path to the next band, what
changed since last month, and the reasons behind a partner's "no"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credo.app import create_app
from credo.pipeline.rescore import latest_run_date
from credo.pipeline.whatif import person_records
from tests.portal.conftest import PASSWORD, PortalWorld
from tests.portal.test_pages import csrf_of, sign_in


@pytest.fixture(scope="module")
def app(portal_world: PortalWorld):
    return create_app(context=portal_world.context())


def _token(app, person_id: str) -> dict[str, str]:
    client = TestClient(app)
    r = client.post("/v1/people/login", json={"person_id": person_id, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _card_with_balance(world: PortalWorld, person_id: str) -> dict[str, Any] | None:
    as_of = latest_run_date(world.settings)
    assert as_of is not None
    records = person_records(world.settings, person_id, as_of)
    cards = {a["account_id"] for a in records["account"] if a["kind"] == "credit_card"
             and a["closed_at"] is None}
    latest = sorted((s for s in records["statement"] if s["account_id"] in cards
                     and s["period_end"] < as_of), key=lambda s: s["period_end"])
    return latest[-1] if latest and latest[-1]["balance"] > 0 else None


@pytest.fixture(scope="module")
def carded(portal_world: PortalWorld) -> tuple[str, dict[str, Any]]:
    """A person with a card balance to pay down, enrolled for these tests."""
    for person in portal_world.people[200:600]:
        card = _card_with_balance(portal_world, person)
        if card is not None and card["balance"] > 10_000:
            portal_world.enrol(person)
            return person, card
    pytest.skip("no person with a card balance")


def test_what_if_api_answers_each_scenario_against_now(app, carded) -> None:
    person, card = carded
    client = TestClient(app)
    body = {"scenarios": [
        [{"action": "pay_down", "account_id": card["account_id"], "balance_cents": 0}],
        [{"action": "on_time", "months": 6}],
        [{"action": "pay_down", "account_id": card["account_id"], "balance_cents": 0},
         {"action": "on_time", "months": 6}],
    ]}
    r = client.post("/v1/me/what-if", json=body, headers=_token(app, person))
    assert r.status_code == 200, r.text
    answer = r.json()
    mine = client.get("/v1/me/score", headers=_token(app, person)).json()["score"]
    assert answer["now"]["score"] == mine["score"]
    paid, months, both = answer["scenarios"]
    assert paid["as_of"] == answer["as_of"] and months["as_of"] > answer["as_of"]
    for outcome in (paid, months, both):
        assert outcome["change"] == outcome["score"] - answer["now"]["score"]
    assert paid["actions"][0].startswith("Pay the balance")
    assert paid["actions"][0].endswith(" down to EUR 0.00")  # the reporting currency
    # The moved features are exact points: they add up to the change when nothing clips.
    if 350 < paid["score"] < 950 and 350 < answer["now"]["score"] < 950:
        assert sum(paid["moved"].values()) == paid["change"]


@pytest.mark.parametrize("scenario, status, words", [
    ([{"action": "pay_down", "account_id": "not-mine", "balance_cents": 0}], 422,
     "not one of your accounts"),
    ([{"action": "on_time", "months": 0}], 422, "months"),
    ([{"action": "open_account", "kind": "credit_card"}], 422, "credit limit"),
    ([{"action": "leave_out", "kind": "statement", "source_id": "x", "record_id": "y"}], 422,
     "among your records"),
    ([{"action": "fly_to_the_moon"}], 422, ""),
    ([], 422, ""),
])
def test_a_bad_scenario_is_a_422_problem(app, carded, scenario, status, words) -> None:
    person, _ = carded
    r = TestClient(app).post("/v1/me/what-if", json={"scenarios": [scenario]},
                             headers=_token(app, person))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert words in r.text


def test_what_if_starts_from_the_score_as_the_records_are(app, carded,
                                                          portal_world: PortalWorld) -> None:
    person, card = carded
    client = TestClient(app)
    r = client.get("/v1/me/what-if", headers=_token(app, person))
    assert r.status_code == 200, r.text
    start = r.json()
    # Now is the score every scenario is compared with, the one the person is shown.
    mine = client.get("/v1/me/score", headers=_token(app, person)).json()["score"]
    assert start["now"]["score"] == mine["score"]
    assert start["now"]["change"] == 0 and start["now"]["moved"] == {}
    accounts = {a["account_id"]: a for a in start["accounts"]}
    assert accounts[card["account_id"]]["balance_cents"] == card["balance"]
    assert accounts[card["account_id"]]["kind"] == "credit_card"
    assert "credit_card" in start["account_kinds"]
    assert start["limits"]["scenarios_per_request"] == 8
    # An account it lists is one a scenario can name, and now is the same after it.
    after = client.post("/v1/me/what-if", headers=_token(app, person), json={"scenarios": [
        [{"action": "pay_down", "account_id": card["account_id"], "balance_cents": 0}]]})
    assert after.status_code == 200, after.text
    assert after.json()["now"] == start["now"]
    assert r.headers["cache-control"] == "no-store"


def test_what_if_start_needs_a_score_and_the_person(app, portal_world: PortalWorld) -> None:
    assert TestClient(app).get("/v1/me/what-if").status_code == 401
    bad = TestClient(app).get("/v1/me/what-if", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    newcomer = "P-no-records-yet"  # enrolled, but no account of theirs in the lake
    portal_world.enrol(newcomer, grant=None)
    r = TestClient(app).get("/v1/me/what-if", headers=_token(app, newcomer))
    assert r.status_code == 404 and "no score to start from" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")


def test_what_if_needs_the_person(app) -> None:
    r = TestClient(app).post("/v1/me/what-if", json={"scenarios": [[{"action": "on_time",
                                                                       "months": 3}]]})
    assert r.status_code == 401


def test_what_if_page_answers_the_form(app, carded) -> None:
    person, card = carded
    client = sign_in(app, person)
    page = client.get("/me/what-if")
    assert page.status_code == 200 and card["account_id"] in page.text
    assert re.search(r": balance EUR [\d,]+\.\d\d</option>", page.text)
    assert "Down to (amount in EUR)" in page.text
    r = client.post("/me/what-if", data={"csrf": csrf_of(page.text),
                                         "pay_account": card["account_id"], "pay_to": "0",
                                         "months": "3"})
    assert r.status_code == 200, r.text[:500]
    assert 'data-testid="what-if-score"' in r.text
    bad = client.post("/me/what-if", data={"csrf": csrf_of(page.text),
                                           "pay_account": card["account_id"],
                                           "pay_to": "lots"})
    assert bad.status_code == 422 and "type an amount" in bad.text
    forged = client.post("/me/what-if", data={"csrf": "forged", "months": "3"})
    assert forged.status_code == 403


def test_the_path_reaches_the_next_band_with_actionable_steps(app, carded) -> None:
    person, _ = carded
    r = TestClient(app).get("/v1/me/path", headers=_token(app, person))
    if r.status_code == 404:
        assert "nothing to plan" in r.json()["detail"]
        return
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["target"] > plan["now"]
    assert plan["target_is"].startswith("the next band")
    for step in plan["steps"]:
        assert step["action"].startswith(("Pay the balance", "Pay every bill on time"))
    if plan["reached"]:
        assert plan["score"] >= plan["target"]
    bad = TestClient(app).get("/v1/me/path?target=20", headers=_token(app, person))
    assert bad.status_code == 422


def test_changes_are_exact_points_and_name_the_dimensions(app, carded) -> None:
    person, _ = carded
    r = TestClient(app).get("/v1/me/score/changes", headers=_token(app, person))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["previous_as_of"] < body["as_of"]
    assert body["change"] == body["score"] - body["previous_score"]
    if 350 < body["score"] < 950 and 350 < body["previous_score"] < 950:
        assert sum(m["points"] for m in body["moved"]) == body["change"]
    assert [d["dimension"] for d in body["dimensions"]] == [
        "credit_history", "fulfilment_capacity", "behaviour", "identity", "tenure"]
    assert all(d["measures"] for d in body["dimensions"])
    assert body["strengths"] and all(s["points"] > 0 for s in body["strengths"])


def test_the_what_if_reads_disputes_in_the_requests_own_session(app, portal_world,
                                                                monkeypatch) -> None:
    """A what-if leaves out the person's disputed records as the request's session reads
    them, and opens no database connection of its own (one per request before, a new
    connection to the server on PostgreSQL)."""
    person = next(p for p in portal_world.people[600:900]
                  if portal_world.late_statement(p) is not None)
    portal_world.enrol(person, grant=None)
    late = portal_world.late_statement(person)
    assert late is not None
    record = {"kind": "statement", "source_id": late["source_id"],
              "record_id": late["record_id"]}
    headers = _token(app, person)
    client = TestClient(app)

    import credo.store.engine

    def no_engine(*_: object, **__: object) -> None:
        raise AssertionError("a what-if opened a database engine of its own")

    monkeypatch.setattr(credo.store.engine, "make_engine", no_engine)
    before = client.get("/v1/me/what-if", headers=headers)
    assert before.status_code == 200, before.text
    left_out = client.post("/v1/me/what-if", headers=headers, json={"scenarios": [
        [{"action": "leave_out", **record}]]})
    assert left_out.status_code == 200, left_out.text
    assert client.get("/v1/me/path", headers=headers).status_code in (200, 404)
    assert sign_in(app, person).get("/me/what-if").status_code == 200
    monkeypatch.undo()  # opening a dispute rescores the person, through the pipeline

    opened = client.post("/v1/me/disputes", headers=headers,
                         json={**record, "reason": "I paid this bill on time"})
    assert opened.status_code == 201, opened.text
    monkeypatch.setattr(credo.store.engine, "make_engine", no_engine)
    after = client.get("/v1/me/what-if", headers=headers)
    assert after.status_code == 200, after.text
    # Under dispute, the record is out of "now": the score without it, point for point.
    scenario = left_out.json()["scenarios"][0]
    assert after.json()["now"]["score"] == scenario["score"]
    assert after.json()["now"]["sub_scores"] == scenario["sub_scores"]


def test_a_server_prepares_the_what_if_as_it_starts(portal_world: PortalWorld) -> None:
    """``credo serve``'s app prepares the feature query for the latest run's date on each
    worker thread once it starts, so that its first what-if does not wait for it."""
    from credo.pipeline import variant_features
    from credo.worker_pool import on_every_thread

    as_of = latest_run_date(portal_world.settings)
    variant_features.feature_sql.cache_clear()
    on_every_thread(lambda: variant_features._prepared().queries.clear())
    served = create_app(context=portal_world.context(), warm_what_if=True)
    with TestClient(served):
        served.state.what_if_warm_up.join(timeout=300)
        assert not served.state.what_if_warm_up.is_alive()
    ready: list[bool] = []
    on_every_thread(lambda: ready.append(
        any(day == as_of for day, _ in variant_features._prepared().queries)))
    assert ready and all(ready)
    assert variant_features.feature_sql.cache_info().currsize >= 1
    # An app made without it (as the tests' and library users' are) starts no such work.
    plain = create_app(context=portal_world.context())
    with TestClient(plain):
        assert not hasattr(plain.state, "what_if_warm_up")
