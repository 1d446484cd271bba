"""End to end in headless Chromium: a person and an operator use the portal for real.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``CREDO_CHROMIUM``), driven
by Playwright; nothing is downloaded. Each page is saved as a screenshot under
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from credo.service.scores import logic as scores
from tests.portal.conftest import ARTIFACTS, PASSWORD, PortalWorld

CHROMIUM = os.environ.get("CREDO_CHROMIUM", "/usr/bin/chromium")
# Headless, and no calls home: this machine's network is closed.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCRIPT = '<script>alert("pwned")</script><img src=x onerror=alert(2)>'
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium package "
                    "(scripts/system-deps.sh does) or point CREDO_CHROMIUM at one")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch_dialogs(page: Page) -> list[str]:
    """Every alert() a page manages to run (there must be none)."""
    seen: list[str] = []

    def on_dialog(dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, person: str, password: str = PASSWORD) -> None:
    page.goto(base + "/me")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Your person id").fill(person)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")  # the keyboard alone signs in
    expect(page).to_have_url(re.compile(r"/me$"))


def console_sign_in(page: Page, base: str, key: str) -> None:
    page.goto(base + "/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.get_by_label("Operator API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console$"))


def current_score(world: PortalWorld, person: str) -> int | None:
    ctx = world.context()
    try:
        with ctx.session() as s:
            entry = scores.current(s, person)
            return None if entry is None else entry.score
    finally:
        ctx.close()


def a_recent_late_payer(world: PortalWorld) -> tuple[str, dict, int]:
    """Someone with a recent statement paid 30+ days late whose score leaving it out
    changes (the score upholding a dispute of it must give)."""
    recent = (world.last_month - timedelta(days=120)).isoformat()
    for person in world.people[100:900]:
        record = world.late_statement(person)
        if record is None or record["period_end"] < recent:
            continue
        without = world.score_without(person, record)
        if without is not None and without != current_score(world, person):
            return person, record, without
    pytest.fail("nobody's score depends on a recent late statement: the features changed")


def test_a_person_revokes_disputes_and_an_operator_upholds(browser: Browser, server: str,
                                                            portal_world: PortalWorld) -> None:
    person, record, expected = a_recent_late_payer(portal_world)
    portal_world.enrol(person)
    before = current_score(portal_world, person)
    partner_key = portal_world.demo["partner_key"]

    me = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    alerts = watch_dialogs(me)
    me.goto(server + "/login")
    shot(me, "01-login")
    sign_in(me, server, person)
    expect(me.get_by_test_id("score")).to_have_text(str(before))
    gauge = me.get_by_role("img", name=re.compile(rf"^Score {before} of 350 to 950"))
    expect(gauge).to_be_visible()
    reasons = me.get_by_role("heading", name="What holds your score back, and what helps")
    expect(reasons).to_be_visible()
    history_rows = me.get_by_test_id("history").locator("tbody tr").count()
    shot(me, "02-person-score")

    # Sharing: the lender can read the score, then cannot once it is revoked.
    partner_call = {"person_id": person, "purpose": "loan"}
    assert httpx.post(server + "/v1/partner/score", json=partner_call,
                      headers={"X-API-Key": partner_key}).status_code == 200
    me.get_by_role("link", name="Sharing").click()
    expect(me.get_by_test_id("access-log")).to_contain_text("Demo Lender")
    me.get_by_role("button", name="Revoke Demo Lender (loan)").click()
    expect(me.get_by_role("status")).to_contain_text("revoked")
    expect(me.get_by_test_id("authorizations")).to_contain_text("revoked")
    shot(me, "03-person-sharing")
    refused = httpx.post(server + "/v1/partner/score", json=partner_call,
                         headers={"X-API-Key": partner_key})
    assert refused.status_code == 403

    # Records: dispute the late statement, with hostile text in the reason.
    me.get_by_role("link", name="Records and disputes").click()
    shot(me, "04-person-records")
    me.goto(server + "/me/records?all=statement")
    row = me.locator(f'tr[data-record="{record["record_id"]}"]')
    row.get_by_role("link", name=re.compile("^Dispute the statement")).click()
    reason = f"I paid this on time. {SCRIPT}"
    me.get_by_label("What is wrong with this record?").fill(reason)
    shot(me, "05-person-dispute-form")
    me.get_by_role("button", name="File the dispute").click()
    disputes = me.get_by_test_id("disputes")
    expect(disputes).to_contain_text(reason)  # shown as text, never run
    expect(disputes).to_contain_text("open")
    due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    expect(disputes).to_contain_text(due)
    shot(me, "06-person-dispute-filed")

    # The operator upholds it; the console shows what the decision changed.
    op = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    op_alerts = watch_dialogs(op)
    console_sign_in(op, server, portal_world.operator_key("op-browser"))
    shot(op, "07-console-model")
    op.get_by_role("link", name="Disputes").click()
    card = op.locator("article.dispute", has_text=record["record_id"])
    expect(card).to_contain_text(reason)
    shot(op, "08-console-disputes")
    card.get_by_label("Reason for the decision (required; shown to the person)").fill(
        f"The source confirmed the payment was on time. {SCRIPT}")
    card.get_by_role("button", name="Uphold: the record is wrong").click()
    expect(op.get_by_role("status")).to_contain_text("upheld")
    decided = op.get_by_test_id("decided").locator("tr", has_text=record["record_id"])
    expect(decided).to_contain_text("upheld")
    after = current_score(portal_world, person)
    assert after == expected != before
    expect(decided).to_contain_text(f"{after} ({after - before:+d})")
    shot(op, "09-console-dispute-decided")

    # The person sees the new score and a longer history.
    me.get_by_role("link", name="My score").click()
    expect(me.get_by_test_id("score")).to_have_text(str(after))
    expect(me.get_by_test_id("history").locator("tbody tr")).to_have_count(history_rows + 1)
    expect(me.get_by_text("(recomputed after a dispute)")).to_be_visible()
    me.get_by_role("link", name="Records and disputes").click()
    expect(me.get_by_test_id("disputes")).to_contain_text("upheld")
    expect(me.get_by_test_id("disputes")).to_contain_text("The source confirmed")
    shot(me, "10-person-after-dispute")
    assert alerts == [] and op_alerts == []


def test_the_console_pages(browser: Browser, server: str, portal_world: PortalWorld) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    console_sign_in(page, server, portal_world.operator_key("op-tour"))
    expect(page.get_by_role("img", name="ROC curve out of time")).to_be_visible()
    expect(page.get_by_test_id("calibration").locator("tbody tr")).to_have_count(5)
    page.locator("details summary").first.click()
    expect(page.locator("table.bins").first).to_be_visible()
    shot(page, "11-console-model-bins")
    page.get_by_role("link", name="Monthly runs").click()
    expect(page.get_by_test_id("runs").locator("tbody tr")).to_have_count(3)
    shot(page, "12-console-runs")
    page.get_by_role("link", name="Sources").click()
    expect(page.get_by_test_id("quarantine")).to_be_visible()
    shot(page, "13-console-sources")
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto(server + "/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))


def test_a_form_on_another_site_cannot_act_for_the_person(
        browser: Browser, server: str, portal_world: PortalWorld) -> None:
    person = portal_world.people[30]
    auth_id = portal_world.enrol(person)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, person)
    attacker = context.new_page()  # same browser, signed in, visits a hostile page
    attacker.set_content(
        f'<form method="post" action="{server}/me/authorizations/{auth_id}/revoke">'
        '<input type="hidden" name="csrf" value="guessed">'
        '<button type="submit">Win a prize</button></form>')
    attacker.get_by_role("button", name="Win a prize").click()
    attacker.wait_for_load_state()
    assert "/me/sharing" not in attacker.url
    page.goto(server + "/me/sharing")
    row = page.get_by_test_id("authorizations").locator("tr", has_text="Demo Lender")
    expect(row).to_contain_text("active")


def test_pages_fit_a_phone_and_name_every_field_and_picture(
        browser: Browser, server: str, portal_world: PortalWorld) -> None:
    person = portal_world.people[31]
    portal_world.enrol(person)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, server, person)
    operator = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    console_sign_in(operator, server, portal_world.operator_key("op-phone"))
    pages = [(page, "/me", "phone-person-score"), (page, "/me/sharing", "phone-person-sharing"),
             (page, "/me/records", "phone-person-records"),
             (operator, "/console", "phone-console-model"),
             (operator, "/console/disputes", "phone-console-disputes")]
    for p, path, name in pages:
        p.goto(server + path)
        overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
        unnamed = p.evaluate("""() => [...document.querySelectorAll(
              'input:not([type=hidden]), textarea, select, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim()).map(e => e.outerHTML)""")
        assert unnamed == [], f"{path}: fields without a label: {unnamed}"
        pictures = p.evaluate("""() => [...document.querySelectorAll('svg.chart')]
            .filter(s => !s.getAttribute('aria-label')).length""")
        assert pictures == 0
        shot(p, name)


def test_the_validation_report_reads_on_a_phone(
        browser: Browser, server: str, portal_world: PortalWorld) -> None:
    from sqlalchemy import select

    from credo.service.governance.logic import report_path
    from credo.store.models import ModelRecord
    from tests.portal.conftest import _clean_env

    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            model = s.scalars(select(ModelRecord.model_id)
                              .where(ModelRecord.status == "champion")).one()
    finally:
        ctx.close()
    report = report_path(portal_world.settings, model)
    written = subprocess.run(
        [sys.executable, "-m", "credo", "report", "--model", model, "--out", str(report)],
        env=_clean_env(portal_world.home), capture_output=True, text=True, timeout=600)
    try:
        assert written.returncode == 0, written.stdout[-2000:] + written.stderr[-2000:]
        operator = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
        console_sign_in(operator, server, portal_world.operator_key("op-report-phone"))
        operator.goto(f"{server}/console/models/{model}/report")
        expect(operator.get_by_role("heading", name="Discrimination")).to_be_visible()
        # laid out for the phone's width (not a desktop page shrunk to it), nothing sideways
        assert operator.evaluate("window.innerWidth") == PHONE["width"]
        overflow = operator.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the report scrolls sideways on a phone by {overflow}px"
        charts = operator.evaluate("""() => [...document.querySelectorAll('svg')]
            .map(s => s.getBoundingClientRect().right)""")
        assert charts and max(charts) <= PHONE["width"]
        operator.get_by_role("heading", name="Discrimination").scroll_into_view_if_needed()
        operator.screenshot(path=str(ARTIFACTS / "phone-console-report.png"))
    finally:  # the world is shared: other tests find it without a written report
        report.unlink(missing_ok=True)
        report.with_suffix(".json").unlink(missing_ok=True)


def test_a_person_authorizes_a_lender_from_the_sharing_page(
        browser: Browser, server: str, portal_world: PortalWorld) -> None:
    person = portal_world.people[32]
    portal_world.enrol(person, grant=None)
    call = {"person_id": person, "purpose": "loan"}
    key = {"X-API-Key": portal_world.demo["partner_key"]}
    assert httpx.post(server + "/v1/partner/score", json=call, headers=key).status_code == 403
    page = browser.new_context().new_page()
    sign_in(page, server, person)
    page.get_by_role("link", name="Sharing").click()
    page.get_by_label("Partner and purpose").select_option("pt-demo-lender|loan")
    page.get_by_label(re.compile("For how many days")).fill("90")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("status")).to_contain_text("granted")
    row = page.get_by_test_id("authorizations").locator("tr", has_text="Demo Lender")
    expect(row).to_contain_text((datetime.now(UTC).date() + timedelta(days=90)).isoformat())
    shot(page, "14-person-authorized")
    assert httpx.post(server + "/v1/partner/score", json=call, headers=key).status_code == 200


@pytest.mark.parametrize(("path", "shown"), [("/docs", ".opblock"),
                                             ("/redoc", "[role=search], h1")])
def test_the_api_docs_render_from_this_server_alone(browser: Browser, server: str,
                                                    path: str, shown: str) -> None:
    page = browser.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:"))
            else elsewhere.append(r.url))
    page.goto(server + path)
    expect(page.locator(shown).first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("POST /v1/partner/score").or_(
        page.get_by_text("/v1/partner/score").first).first).to_be_visible()
    shot(page, "api" + path.replace("/", "-"))
    # ReDoc's footer asks for its logo on its makers' CDN; the CSP blocks it.
    assert all("cdn.redoc.ly/redoc/logo" in u for u in elsewhere), elsewhere
    page.close()
