"""The person's controls end to end in headless Chromium: what changed since last month,
the exact what-if, the path to the next band or a partner's threshold, and the reasons
behind a partner's "no" in the access log. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, expect

from credo.pipeline.path import path_to
from credo.pipeline.scenarios import OnTime, PayDown
from credo.pipeline.whatif import what_if
from tests.portal.conftest import PortalWorld
from tests.portal.test_browser import browser, shot, sign_in, watch_dialogs  # noqa: F401
from tests.portal.test_person_controls import carded  # noqa: F401


def test_a_person_sees_what_changed_tries_a_change_and_finds_a_path(
        browser: Browser, server: str, portal_world: PortalWorld,  # noqa: F811
        carded: tuple[str, dict]) -> None:  # noqa: F811
    person, card = carded
    me = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    alerts = watch_dialogs(me)
    sign_in(me, server, person)

    # What changed since last month, exactly, and what helps most.
    changes = me.get_by_test_id("changes")
    expect(changes).to_contain_text("What changed since last month")
    expect(changes).to_contain_text(re.compile(r"[+-]\d+ points"))
    expect(me.get_by_test_id("strengths").locator("li").first).to_contain_text("points")
    expect(me.get_by_text("How you have paid: bills and instalments")).to_be_visible()
    shot(me, "20-person-score-changes")

    # The what-if form: pay the card off and three more months on time.
    me.get_by_role("link", name="What if").click()
    me.get_by_label("Account").first.select_option(card["account_id"])
    me.get_by_label("Down to (amount in EUR)").fill("0")
    me.get_by_label("For how many more months").select_option("3")
    me.get_by_role("button", name="Show my score with these changes").click()
    exact = what_if(portal_world.settings, person,
                    [[PayDown(card["account_id"], 0), OnTime(3)]]).scenarios[0]
    expect(me.get_by_test_id("what-if-score")).to_have_text(str(exact.score))
    shot(me, "21-person-what-if")

    # A typing mistake is answered on the page, saying what to do.
    me.get_by_label("Account").first.select_option(card["account_id"])
    me.get_by_label("Down to (amount in EUR)").fill("a lot")
    me.get_by_role("button", name="Show my score with these changes").click()
    expect(me.get_by_test_id("what-if-error")).to_contain_text("type an amount")

    # The lender checks a threshold the person does not reach: a "no" with its reasons.
    partner_key = portal_world.demo["partner_key"]
    check = httpx.post(server + "/v1/partner/threshold-check",
                       json={"person_id": person, "purpose": "loan", "threshold": 950},
                       headers={"X-API-Key": partner_key})
    assert check.status_code == 200, check.text
    answer = check.json()
    assert answer["result"] == "no" and answer["adverse_reasons"]
    assert "too low" not in check.text
    me.get_by_role("link", name="Sharing").click()
    reasons = me.get_by_test_id("adverse-reasons").first
    for reason in answer["adverse_reasons"]:
        expect(reasons).to_contain_text(reason["description"])
    shot(me, "22-person-access-log-reasons")

    # The path: to the lender's threshold, verified by the exact what-if.
    me.get_by_role("link", name="What if").click()
    me.get_by_label("The score to reach").select_option("950")
    me.get_by_role("button", name="Show me the path").click()
    path = me.get_by_test_id("path")
    expect(path).to_be_visible()
    plan = path_to(portal_world.settings, person, 950)
    if plan.steps:
        expect(me.get_by_test_id("path-score")).to_have_text(str(plan.outcome.score))
        expect(me.get_by_test_id("path-steps").locator("li")).to_have_count(len(plan.steps))
        together = what_if(portal_world.settings, person, [[s.action for s in plan.steps]])
        assert together.scenarios[0].score == plan.outcome.score
    shot(me, "23-person-path")
    assert alerts == []
