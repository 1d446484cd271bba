"""Invariants, checked with hypothesis on one app (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.service.audit.logic import count

from .conftest import World, build_world

PEOPLE = st.sampled_from(["P1", "P2", "P3", "NOBODY", "P1x"])
PURPOSES = st.sampled_from(["loan", "rental_deposit_waiver", "credit_line"])


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home: Path = tmp_path_factory.mktemp("props")
    w = build_world(home, f"sqlite:///{home / 'credo.db'}")
    w.grant("P1", "pt-a", "rental_deposit_waiver")
    w.grant("P1", "pt-a", "loan")
    w.grant("P2", "pt-a", "rental_deposit_waiver")
    yield w
    w.client.close()
    w.ctx.close()


@settings(max_examples=40)
@given(threshold=st.integers(350, 950), person=PEOPLE)
def test_threshold_check_never_leaks_the_score(shared: World, threshold: int,
                                               person: str) -> None:
    r = shared.threshold(threshold, person)
    if person in ("P1", "P2"):
        body = r.json()
        assert r.status_code == 200
        assert set(body) == {"person_id", "purpose", "threshold", "result", "adverse_reasons",
                             "fraud_alert"}
        assert bool(body["adverse_reasons"]) == (body["result"] == "no")
        score = {"P1": 662, "P2": 540}[person]
        assert body["result"] == ("yes" if score >= threshold else "no")
        assert str(score) not in r.text.replace(str(threshold), "")
    else:
        assert r.status_code == 403
        assert r.json()["type"] == "urn:credo:problem:no-authorization"


@settings(max_examples=25)
@given(st.lists(st.tuples(PEOPLE, PURPOSES, st.booleans()), min_size=1, max_size=8))
def test_audit_grows_by_exactly_one_row_per_partner_access(
        shared: World, calls: list[tuple[str, str, bool]]) -> None:
    with shared.ctx.session() as s:
        before = count(s)
    for person, purpose, threshold in calls:
        if threshold:
            shared.threshold(600, person, purpose=purpose)
        else:
            shared.score(person, purpose=purpose)
    with shared.ctx.session() as s:
        assert count(s) == before + len(calls)


CHANGES = st.sampled_from([("POST", "freeze"), ("DELETE", "freeze"), ("POST", "fraud-alert"),
                           ("DELETE", "fraud-alert")])


@settings(max_examples=15, deadline=None)
@given(steps=st.lists(CHANGES, min_size=1, max_size=8))
def test_a_freeze_refuses_every_read_and_an_alert_reaches_every_answer(
        shared: World, steps: list[tuple[str, str]]) -> None:
    """Whatever the sequence of freezes and alerts: each change succeeds exactly when it
    moves the state (else 409), and a partner's answer follows the state in force."""
    now = shared.client.get("/v1/me/controls", headers=shared.person()).json()
    state = {"freeze": now["frozen"], "fraud-alert": now["fraud_alert"]}
    for method, what in steps:
        r = shared.client.request(method, f"/v1/me/{what}", headers=shared.person())
        moves = state[what] != (method == "POST")
        assert r.status_code == (200 if moves else 409), r.text
        if moves:
            state[what] = method == "POST"
        read, check = shared.score(), shared.threshold(600)
        if state["freeze"]:
            assert read.status_code == check.status_code == 403
            assert read.json()["type"] == "urn:credo:problem:file-frozen"
            assert "662" not in read.text
        else:
            assert read.status_code == check.status_code == 200
            assert (read.json()["fraud_alert"] is not None) == state["fraud-alert"]
            assert check.json()["fraud_alert"] == read.json()["fraud_alert"]
