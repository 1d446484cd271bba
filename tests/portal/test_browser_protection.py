"""End to end in headless Chromium: a person freezes their file, places a fraud alert,
reads their notifications and asks for a human review; an operator decides it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.portal.conftest import PortalWorld
from tests.portal.test_browser import (  # noqa: F401 - browser is a fixture
    SCRIPT,
    browser,
    console_sign_in,
    current_score,
    shot,
    sign_in,
    watch_dialogs,
)


def go(page: Page, name: str) -> None:
    """Follow a link of the person's navigation."""
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name=name).click()


def test_a_person_freezes_alerts_is_notified_and_a_human_reviews(
        browser: Browser, server: str, portal_world: PortalWorld) -> None:  # noqa: F811
    person = portal_world.people[950]
    portal_world.enrol(person)
    partner = {"X-API-Key": portal_world.demo["partner_key"]}
    call = {"person_id": person, "purpose": "loan"}

    me = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    alerts = watch_dialogs(me)
    sign_in(me, server, person)

    # Freeze: the partner the person authorized is refused at once.
    go(me, "Protection")
    me.get_by_role("button", name="Freeze my file").click()
    expect(me.get_by_role("status")).to_contain_text("Your file is frozen")
    expect(me.get_by_test_id("freeze-state")).to_contain_text("Your file is frozen")
    shot(me, "20-person-protection-frozen")
    refused = httpx.post(server + "/v1/partner/score", json=call, headers=partner)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:credo:problem:file-frozen"
    go(me, "Sharing")
    log = me.get_by_test_id("access-log")
    expect(log).to_contain_text("refused: your file is frozen")
    expect(log).to_contain_text("froze your file")

    # Lift it, place a fraud alert: the partner reads the score, with the alert.
    go(me, "Protection")
    me.get_by_role("button", name="Lift the freeze").click()
    expect(me.get_by_role("status")).to_contain_text("lifted")
    me.get_by_role("button", name="Place a fraud alert").click()
    expect(me.get_by_test_id("alert-state")).to_contain_text("Your fraud alert is placed")
    read = httpx.post(server + "/v1/partner/score", json=call, headers=partner)
    assert read.status_code == 200
    assert "verify their identity" in read.json()["fraud_alert"]["instruction"]

    # Every one of these is a notification.
    go(me, "Notifications")
    notices = me.get_by_test_id("notifications")
    expect(notices).to_contain_text("Demo Lender asked for your score (loan): it was "
                                    "refused: your file is frozen")
    expect(notices).to_contain_text("Demo Lender asked for your score (loan): it was shown")
    expect(notices).to_contain_text("Your fraud alert is placed")
    shot(me, "21-person-notifications")
    me.get_by_role("button", name="Mark all read").click()
    expect(me.get_by_role("button", name="Mark all read")).to_have_count(0)

    # A human review, with a hostile statement that must stay text.
    go(me, "Human review")
    me.get_by_label("Why your score does not reflect you").fill(
        "My salary doubled in March. " + SCRIPT)
    me.get_by_role("button", name="Ask for a review").click()
    expect(me.get_by_role("status")).to_contain_text("sent")
    expect(me.get_by_test_id("review-open")).to_contain_text("My salary doubled")
    shot(me, "22-person-review-asked")

    # The operator decides with the points per feature at hand.
    console = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    console_alerts = watch_dialogs(console)
    console_sign_in(console, server, portal_world.operator_key("reviewer"))
    console.get_by_role("link", name="Reviews").click()
    article = console.locator("article", has_text=person)
    expect(article).to_contain_text("My salary doubled")
    points = article.locator("table tbody tr")
    assert points.count() >= 5  # every feature of the champion, with its points
    # The record is exact: the points add up to the score under review.
    score = current_score(portal_world, person)
    expect(article.get_by_test_id("points-total")).to_have_text(str(score))
    shot(console, "23-console-review-queue")
    article.get_by_label(re.compile("Reasons for the decision")).fill(
        "Income is reported by no source yet; the score reflects the records held.")
    article.get_by_role("button", name="Confirm: the score stands").click()
    expect(console.get_by_role("status")).to_contain_text("the score stands")
    expect(console.get_by_test_id("decided-reviews")).to_contain_text(person)

    go(me, "Human review")
    decided = me.get_by_test_id("review-confirmed")
    expect(decided).to_contain_text("the score stands")
    expect(decided).to_contain_text("Income is reported by no source yet")
    shot(me, "24-person-review-decided")
    assert alerts == [] and console_alerts == []
