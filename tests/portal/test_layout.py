"""Every page in Chromium at a desktop's 1280 px and a phone's 390 px: nothing scrolls
sideways, no table is clipped without a scroll cue, buttons stay on screen, dates stay
on one line, chart text stays legible, badges keep their contrast, no script.

Screenshots of every page at both widths are saved under the test's own folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from credo.portal.charts import GAUGE_TICKS
from credo.service.disputes import logic as disputes
from credo.service.people.logic import lake_records
from tests.portal.conftest import PortalWorld
from tests.portal.test_browser import browser, console_sign_in, sign_in  # noqa: F401

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PERSON_PAGES = ("/me", "/me/sharing", "/me/records", "/me/records?all=statement")
CONSOLE_PAGES = ("/console", "/console/models", "/console/runs", "/console/fairness",
                 "/console/disputes", "/console/sources", "/console/audit",
                 "/console/audit?action=score.read")
SIGN_IN_PAGES = ("/login", "/activate", "/console/login")

# Each finding is a sentence; a page passes when the list is empty.
TABLES_WITHOUT_CUE = """() => [...document.querySelectorAll('table')].flatMap(t => {
  const name = t.dataset.testid || t.dataset.kind || t.className || 'table';
  const box = t.closest('.scroll');
  const right = document.documentElement.clientWidth;
  if (!box) {
    const parent = t.parentElement.getBoundingClientRect();
    const r = t.getBoundingClientRect();
    return (r.right > Math.min(parent.right, right) + 1)
      ? [`${name} is wider than its card and does not scroll`] : [];
  }
  if (box.scrollWidth <= box.clientWidth + 1) return [];
  const style = getComputedStyle(box), out = [];
  if (!['auto', 'scroll'].includes(style.overflowX)) out.push(`${name} is clipped`);
  if (!style.backgroundImage.includes('gradient')) out.push(`${name} scrolls with no cue`);
  if (box.getAttribute('tabindex') !== '0' || !box.getAttribute('aria-label'))
    out.push(`${name} scrolls but a keyboard cannot reach it by name`);
  return out;
})"""
SCROLLING_TABLES = """() => [...document.querySelectorAll('.scroll')]
  .filter(b => b.scrollWidth > b.clientWidth + 1)
  .map(b => b.getAttribute('aria-label'))"""
BUTTONS_OFF_SCREEN = """() => [...document.querySelectorAll('main a.button, main button')]
  .filter(b => { const r = b.getBoundingClientRect();
                 return r.width > 0 && (r.left < 0 || r.right > window.innerWidth); })
  .map(b => b.getAttribute('aria-label') || b.textContent.trim())"""
WRAPPED_DATES = """() => [...document.querySelectorAll('time')]
  .filter(t => t.getClientRects().length > 1).map(t => t.textContent)"""
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.chart text')]
  .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a), 99)"""
# Per chart that draws text: its name, its smallest text as drawn (px) and what is wrong
# with its words (cut off at the picture's edge, or over another label).
CHART_TEXT = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.querySelector('text')).map(svg => {
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')];
    const rects = texts.map(t => t.getBoundingClientRect());
    const findings = [];
    rects.forEach((r, i) => {
      const says = texts[i].textContent;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1) findings.push(`"${says}" is cut off`);
      rects.slice(i + 1).forEach((o, k) => {
        if (r.left < o.right - 1 && o.left < r.right - 1 && r.top < o.bottom - 1
            && o.top < r.bottom - 1)
          findings.push(`"${says}" overlaps "${texts[i + 1 + k].textContent}"`);
      });
    });
    // The scale as drawn, also for turned text (an axis name): the length of a unit.
    const scale = t => { const m = t.getScreenCTM(); return Math.hypot(m.a, m.b); };
    const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale(t));
    return {name: svg.getAttribute('aria-label'), smallest: Math.min(...sizes), findings};
  })"""
UNNAMED_FIELDS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), textarea, select, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.textContent.trim()).map(e => e.outerHTML)"""
CONTRAST = """(e) => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const style = getComputedStyle(e);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture(scope="module")
def person(portal_world: PortalWorld) -> str:
    """A person with an authorization to revoke and an open dispute of an account."""
    person = portal_world.people[41]
    portal_world.enrol(person)
    ctx = portal_world.context()
    try:
        account = lake_records(ctx.lake, person, history=False, kinds=("account",))["account"][0]
        with ctx.session() as s:
            disputes.file_dispute(s, ctx.lake, person, kind="account",
                                  source_id=account["source_id"],
                                  record_id=account["record_id"],
                                  reason="This account was never mine.")
    finally:
        ctx.close()
    return person


@pytest.fixture(scope="module", params=list(WIDTHS))
def pages(request, browser: Browser, server: str, portal_world: PortalWorld,  # noqa: F811
          person: str) -> Iterator[tuple[str, Page, Page, Page]]:
    viewport = WIDTHS[request.param]
    phone = request.param == "phone"
    contexts = [browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
                for _ in range(3)]
    me, operator, visitor = (c.new_page() for c in contexts)
    sign_in(me, server, person)
    console_sign_in(operator, server, portal_world.operator_key(f"op-layout-{request.param}"))
    yield request.param, me, operator, visitor
    for c in contexts:
        c.close()


def check_page(page: Page, url: str, shot: Path) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.screenshot(path=str(shot), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{url} scrolls sideways by {overflow}px"
    assert page.evaluate(TABLES_WITHOUT_CUE) == [], url
    assert page.evaluate(BUTTONS_OFF_SCREEN) == [], f"{url}: buttons off screen"
    assert page.evaluate(WRAPPED_DATES) == [], f"{url}: dates wrap"
    assert page.evaluate(UNNAMED_FIELDS) == [], f"{url}: fields without a name"
    assert page.locator("script").count() == 0, f"{url} has a script"
    assert "script-src" not in response.headers["content-security-policy"]


def test_every_page_fits_and_reads_at_both_widths(pages, server: str, tmp_path: Path) -> None:
    width, me, operator, visitor = pages
    for path in SIGN_IN_PAGES:
        check_page(visitor, server + path, tmp_path / f"{width}{path.replace('/', '-')}.png")
    for page, paths in ((me, PERSON_PAGES), (operator, CONSOLE_PAGES)):
        for path in paths:
            name = re.sub(r"[^a-z0-9]+", "-", path)
            check_page(page, server + path, tmp_path / f"{width}{name}.png")
    assert len(list(tmp_path.glob("*.png"))) == len(
        SIGN_IN_PAGES + PERSON_PAGES + CONSOLE_PAGES)


def test_the_score_card_reads_at_both_widths(pages, server: str) -> None:
    _, me, _, _ = pages
    me.goto(server + "/me")
    score = me.get_by_test_id("score")
    expect(score).to_have_count(1)
    gauge = me.get_by_role("img", name=re.compile(r"^Score \d+ of 350 to 950"))
    # The dial is ticked at the band edges and says no number but its ticks.
    ticks = [int(t) for t in gauge.locator("text").all_text_contents()]
    assert ticks == list(GAUGE_TICKS)
    band = me.get_by_test_id("band")
    assert band.evaluate(CONTRAST) >= 4.5
    current = me.locator(".band-scale [aria-current]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text(band.inner_text())
    # Chart text is at least 10 px where it is drawn, on a phone too.
    assert me.evaluate(SMALLEST_CHART_TEXT) >= 10


def test_every_console_chart_reads_at_both_widths(pages, server: str, tmp_path: Path) -> None:
    width, _, operator, _ = pages
    seen = []
    for path in CONSOLE_PAGES:
        operator.goto(server + path)
        for k, chart in enumerate(operator.evaluate(CHART_TEXT)):
            seen.append(chart["name"])
            operator.locator("svg.chart").filter(has=operator.locator("text")).nth(k) \
                .screenshot(path=str(tmp_path / f"{width}-chart-{len(seen)}.png"))
            assert chart["smallest"] >= 10, (width, chart["name"], chart["smallest"])
            assert chart["findings"] == [], (width, chart["name"])
    # The model's three pictures and the runs' two: none is skipped by a missing run.
    assert len(seen) >= 5 and any("ROC" in n for n in seen) and any("PSI" in n for n in seen)


def test_record_tables_fit_a_desktop_and_keep_their_buttons_on_a_phone(
        pages, server: str) -> None:
    width, me, _, _ = pages
    me.goto(server + "/me/records?all=statement")
    if width == "desktop":  # nothing to scroll: every column of every table is in view
        assert me.evaluate(SCROLLING_TABLES) == []
    buttons = me.get_by_role("link", name=re.compile(r"^Dispute the statement"))
    assert buttons.count() > 0
    for k in range(min(buttons.count(), 5)):
        box = buttons.nth(k).bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= WIDTHS[width]["width"]
    cards = me.locator("article.account")
    assert cards.count() > 0
    expect(cards.first.locator("h3")).to_contain_text(" from ")
    # No internal ids on show: record ids live only in the button's address.
    text = me.locator("main").inner_text()
    records = me.locator("tr[data-record]")
    for k in range(min(records.count(), 5)):
        assert records.nth(k).get_attribute("data-record") not in text
    me.goto(server + "/me/sharing")
    revoke = me.get_by_role("button", name=re.compile("^Revoke"))
    box = revoke.first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDTHS[width]["width"]
