"""The portal's pages over HTTP: sign-in, CSRF, hostile input, one person's data only.

These drive the real app (in-process) over the world the demo prepared; the browser
tests drive the same pages through Chromium.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credo.app import create_app
from credo.service.errors import NoAuthorizationError
from credo.store.models import Authorization, Person
from tests.portal.conftest import PASSWORD, PortalWorld

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HOSTILE = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>',
           "' OR '1'='1' --", "\u202eevil", "x" * 5000, "😀 ünïcode"]


@pytest.fixture(scope="module")
def app(portal_world: PortalWorld):
    return create_app(context=portal_world.context())


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(app, person_id: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"person_id": person_id, "password": password,
                                            "csrf": token})
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == "/me"
    return client


def console(app, key: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/console/login").text)
    response = client.post("/console/login", data={"api_key": key, "csrf": token})
    assert response.status_code == 303, response.text[:500]
    return client


def auth_state(world: PortalWorld, auth_id: str) -> bool:
    """True while the authorization is not revoked."""
    ctx = world.context()
    try:
        with ctx.session() as s:
            return s.get(Authorization, auth_id).revoked_at is None
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/me", "/me/sharing", "/me/records",
                                  "/me/records/dispute?kind=statement"])
def test_person_pages_need_a_sign_in(app, path: str) -> None:
    response = TestClient(app, follow_redirects=False).get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize("path", ["/console", "/console/runs", "/console/disputes",
                                  "/console/sources", "/console/models", "/console/fairness",
                                  "/console/audit", "/console/models/x/report"])
def test_console_pages_need_an_operator(app, path: str) -> None:
    response = TestClient(app, follow_redirects=False).get(path)
    assert response.headers["location"] == "/console/login"


def test_forged_or_stale_console_cookies_sign_nobody_in(app) -> None:
    client = TestClient(app, follow_redirects=False)
    for forged in ("", "abc", "Zm9v.bar", "b3BlcmF0b3J8eHw5OTk5OTk5OTk5.0000", "." * 700):
        client.cookies.set("credo_console", forged)
        assert client.get("/console").headers["location"] == "/console/login"


def test_a_wrong_password_says_so_without_saying_which_part(app, portal_world) -> None:
    person = portal_world.people[11]
    portal_world.enrol(person, grant=None)
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    answers = []
    for who, password in ((person, "not the password"), ("nobody-here", PASSWORD)):
        r = client.post("/login", data={"person_id": who, "password": password,
                                         "csrf": token})
        assert r.status_code == 401
        assert "credo_session" not in r.headers.get("set-cookie", "")
        answers.append(re.search(r'role="alert">([^<]*)<', r.text).group(1))
    assert answers[0] == answers[1]


def test_sign_in_needs_the_forms_own_token(app) -> None:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/login", data={"person_id": "x", "password": "y", "csrf": "z" * 30})
    assert r.status_code == 403  # no cookie: a login CSRF from another site
    client.get("/login")
    r = client.post("/login", data={"person_id": "x", "password": "y", "csrf": "z" * 30})
    assert r.status_code == 403  # a cookie, but not this one


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_sign_in_input_is_refused_and_escaped(app, value: str) -> None:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"person_id": value, "password": value, "csrf": token})
    assert r.status_code == 401
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_huge_form_is_refused_before_it_is_read(app) -> None:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"person_id": "x", "password": "p" * 200_000,
                                     "csrf": token})
    assert r.status_code == 413


def test_passwords_are_stored_only_as_slow_hashes(portal_world) -> None:
    person = portal_world.people[12]
    portal_world.enrol(person, grant=None)
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            stored = s.scalars(select(Person.password_hash)
                               .where(Person.id == person)).one()
    finally:
        ctx.close()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_session_cookie_is_http_only_and_same_site(app, portal_world) -> None:
    person = portal_world.people[13]
    portal_world.enrol(person, grant=None)
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"person_id": person, "password": PASSWORD,
                                     "csrf": token})
    cookie = r.headers["set-cookie"].lower()
    assert "credo_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_revoking_needs_the_pages_token_and_this_site(app, portal_world) -> None:
    from credo.service.scores import logic as scores

    person = portal_world.people[14]
    auth_id = portal_world.enrol(person)
    client = sign_in(app, person)
    page = client.get("/me/sharing")
    assert auth_id in page.text
    token = csrf_of(page.text)
    url = f"/me/authorizations/{auth_id}/revoke"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf": "f" * 64}).status_code == 403
    assert client.post(url, data={"csrf": token},
                       headers={"Origin": "http://evil.example"}).status_code == 403
    assert auth_state(portal_world, auth_id)
    r = client.post(url, data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/me/sharing?done=revoked"
    assert not auth_state(portal_world, auth_id)
    ctx = portal_world.context()
    try:
        with ctx.session() as s, pytest.raises(NoAuthorizationError):
            scores.partner_score(s, "pt-demo-lender", person, "loan")
    finally:
        ctx.close()
    assert "revoked" in client.get("/me/sharing?done=revoked").text


def test_one_persons_pages_never_show_another_persons_data(app, portal_world) -> None:
    mine, theirs = portal_world.people[15], portal_world.people[16]
    portal_world.enrol(mine)
    their_auth = portal_world.enrol(theirs)
    their_record = portal_world.late_statement(theirs) or {"source_id": "sim-bank",
                                                             "record_id": "r-1"}
    client = sign_in(app, mine)
    for path in ("/me", "/me/sharing", "/me/records", "/me/records?all=transaction"):
        page = client.get(path)
        assert page.status_code == 200
        assert theirs not in page.text and their_auth not in page.text
    token = csrf_of(client.get("/me").text)
    r = client.post(f"/me/authorizations/{their_auth}/revoke", data={"csrf": token})
    assert r.status_code == 404
    assert auth_state(portal_world, their_auth)
    query = {"kind": "statement", "source_id": their_record["source_id"],
             "record_id": their_record["record_id"]}
    assert client.get("/me/records/dispute", params=query).status_code == 404
    r = client.post("/me/disputes", data={**query, "reason": "not mine", "csrf": token})
    assert r.status_code == 404
    export = client.post("/me/export", data={"csrf": token})
    assert export.status_code == 200
    assert theirs not in export.text


def test_export_downloads_everything_about_the_person(app, portal_world) -> None:
    person = portal_world.people[17]
    portal_world.enrol(person)
    client = sign_in(app, person)
    token = csrf_of(client.get("/me").text)
    assert client.post("/me/export", data={}).status_code == 403
    r = client.post("/me/export", data={"csrf": token})
    assert r.headers["content-disposition"].startswith("attachment")
    data = r.json()
    assert data["person_id"] == person
    assert len(data["scores"]) == 3 and data["authorizations"]
    assert data["records"]["statement"]
    assert all(r["person_id"] == person for kind in data["records"].values() for r in kind)
    assert "password_hash" not in data["account"][0]


@pytest.mark.parametrize("reason", ["", "   ", "bell\x07", "x" * 2001])
def test_a_dispute_reason_that_cannot_be_kept_is_refused_with_the_form_kept(
        app, portal_world, reason: str) -> None:
    person = portal_world.people[18]
    portal_world.enrol(person, grant=None)
    record = portal_world.late_statement(person) or next(
        r for r in _statements(portal_world, person))
    client = sign_in(app, person)
    token = csrf_of(client.get("/me").text)
    r = client.post("/me/disputes", data={"kind": "statement", "source_id": record["source_id"],
                                          "record_id": record["record_id"], "reason": reason,
                                          "csrf": token})
    assert r.status_code == 422
    assert 'role="alert"' in r.text and "<textarea" in r.text


def _statements(world: PortalWorld, person: str) -> list[dict]:
    from credo.data.lake import Lake
    from credo.service.people.logic import lake_records

    return lake_records(Lake(world.settings.lake), person, history=False,
                        kinds=("statement",))["statement"]


@pytest.mark.parametrize("query", [{"kind": "bogus", "source_id": "a", "record_id": "b"},
                                   {"kind": "statement", "source_id": "<b>x</b>",
                                    "record_id": "' OR 1=1"},
                                   {"kind": "statement", "source_id": "", "record_id": ""}])
def test_a_dispute_form_for_no_such_record_says_so(app, portal_world, query) -> None:
    person = portal_world.people[19]
    portal_world.enrol(person, grant=None)
    client = sign_in(app, person)
    r = client.get("/me/records/dispute", params=query)
    assert r.status_code == 404
    assert "<b>x</b>" not in r.text


def test_hostile_query_values_are_harmless(app, portal_world) -> None:
    person = portal_world.people[19]
    portal_world.enrol(person, grant=None)
    client = sign_in(app, person)
    r = client.get("/me/records", params={"all": "<script>", "done": "<script>"})
    assert r.status_code == 200 and "<script>" not in r.text
    assert client.get("/me/records", params={"all": "x" * 500}).status_code == 422


def test_console_shows_model_runs_and_sources(app, portal_world) -> None:
    client = console(app, portal_world.operator_key("op-pages"))
    model = client.get("/console")
    assert model.status_code == 200
    assert 'data-testid="model-id"' in model.text and "<svg" in model.text
    assert model.text.count("<details>") >= 10  # one per feature of the scorecard
    runs = client.get("/console/runs").text
    assert runs.count("<tr>") == MONTHS_ROWS
    assert "(stable)" in runs or "(watch)" in runs or "(act)" in runs
    sources = client.get("/console/sources").text
    assert "sim-bank" in sources and 'data-testid="quarantine"' in sources


MONTHS_ROWS = 1 + 3  # header row and one per published month


def test_a_revoked_operator_key_ends_its_console_sessions(app, portal_world) -> None:
    from credo.service.keys import revoke_keys

    client = console(app, portal_world.operator_key("op-revoked"))
    assert client.get("/console").status_code == 200
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            revoke_keys(s, "operator", "op-revoked")
            s.commit()
    finally:
        ctx.close()
    assert client.get("/console").headers["location"] == "/console/login"


def test_deciding_a_dispute_needs_the_consoles_token(app, portal_world) -> None:
    client = console(app, portal_world.operator_key("op-csrf"))
    r = client.post("/console/disputes/any-id", data={"outcome": "upheld", "note": "x"})
    assert r.status_code == 403
    token = csrf_of(client.get("/console/disputes").text)
    r = client.post("/console/disputes/no-such-id",
                    data={"outcome": "upheld", "note": "x", "csrf": token})
    assert r.status_code == 404
    r = client.post("/console/disputes/no-such-id",
                    data={"outcome": "<script>", "note": "x", "csrf": token})
    assert r.status_code == 422 and "<script>" not in r.text


@pytest.mark.parametrize("value", [*HOSTILE, "credo_ok_" + "A" * 43])
def test_hostile_or_wrong_operator_keys_are_refused_and_escaped(app, value: str) -> None:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/console/login").text)
    r = client.post("/console/login", data={"api_key": value, "csrf": token})
    assert r.status_code == 401
    assert "credo_console" not in r.headers.get("set-cookie", "")
    assert "<script>alert" not in r.text and "<img src=x" not in r.text


def test_a_person_authorizes_a_partner_for_a_declared_purpose(app, portal_world) -> None:
    from credo.service.scores import logic as scores

    person = portal_world.people[20]
    portal_world.enrol(person, grant=None)
    client = sign_in(app, person)
    page = client.get("/me/sharing")
    assert 'value="pt-demo-lender|loan"' in page.text
    token = csrf_of(page.text)
    r = client.post("/me/authorizations", data={"offer": "pt-demo-lender|loan", "days": "30",
                                                  "csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/me/sharing?done=granted"
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            assert scores.partner_score(s, "pt-demo-lender", person, "loan").score >= 350
    finally:
        ctx.close()


@pytest.mark.parametrize(("offer", "days", "status", "words"), [
    ("pt-demo-lender|loan", "0", 422, "1 to 365 days"),
    ("pt-demo-lender|loan", "366", 422, "1 to 365 days"),
    ("pt-demo-lender|loan", "-5", 422, "1 to 365 days"),
    ("pt-demo-lender|loan", "<script>", 422, "1 to 365 days"),
    ("pt-demo-lender|employment_screening", "30", 422, "social scoring"),
    ("pt-demo-lender|credit_line", "30", 422, "has not declared"),
    ("pt-nobody|loan", "30", 404, "no active partner"),
    ("<script>alert(1)</script>|loan", "30", 404, "no active partner"),
    ("", "30", 422, "choose a partner and a purpose"),
    ("no-separator", "30", 422, "choose a partner and a purpose"),
])
def test_an_authorization_outside_the_rules_is_refused_in_words(
        app, portal_world, offer: str, days: str, status: int, words: str) -> None:
    person = portal_world.people[21]
    portal_world.enrol(person, grant=None)
    client = sign_in(app, person)
    token = csrf_of(client.get("/me/sharing").text)
    assert client.post("/me/authorizations", data={"offer": offer, "days": days}
                       ).status_code == 403  # no CSRF token
    r = client.post("/me/authorizations", data={"offer": offer, "days": days, "csrf": token})
    assert r.status_code == status
    assert words in r.text and "<script>alert" not in r.text
    assert "granted" not in r.text.split('role="alert"')[0]


def test_the_consoles_dispute_queue_is_an_audited_read(app, portal_world) -> None:
    from credo.store.models import AuditEvent

    client = console(app, portal_world.operator_key("op-reader"))
    assert client.get("/console/disputes").status_code == 200
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            reads = s.scalars(select(AuditEvent).where(
                AuditEvent.action == "disputes.read", AuditEvent.actor_id == "op-reader")).all()
    finally:
        ctx.close()
    assert len(reads) == 1 and reads[0].detail["via"] == "console"


def test_signing_out_of_the_console_ends_the_session_on_the_server(app, portal_world) -> None:
    from credo.store.models import OperatorSession

    client = console(app, portal_world.operator_key("op-leaving"))
    cookie = client.cookies["credo_console"]
    token = csrf_of(client.get("/console/disputes").text)
    assert client.post("/console/logout", data={"csrf": token}).status_code == 303
    stolen = TestClient(app, follow_redirects=False)
    stolen.cookies.set("credo_console", cookie)  # a copy kept from before the sign-out
    assert stolen.get("/console").headers["location"] == "/console/login"
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            left = s.scalars(select(OperatorSession).where(
                OperatorSession.operator_id == "op-leaving")).all()
    finally:
        ctx.close()
    assert left == [] and "op-leaving" not in cookie


def test_portal_sign_in_backs_off_after_failed_guesses(app, portal_world) -> None:
    person = portal_world.people[13]
    portal_world.enrol(person, grant=None)
    client = TestClient(app, follow_redirects=False, client=("198.51.100.9", 1234))
    token = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"person_id": person, "password": f"guess {i}",
                                         "csrf": token}).status_code for i in range(12)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429, codes
    r = client.post("/login", data={"person_id": person, "password": PASSWORD,
                                    "csrf": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "credo_session" not in r.headers.get("set-cookie", "")


def test_the_sharing_page_says_what_the_partner_receives_and_grants_yes_no_only(
        app, portal_world) -> None:
    from credo.policy.disclosure import SCOPES, THRESHOLD_ONLY, disclosure

    person = portal_world.people[22]
    portal_world.enrol(person, grant=None)
    client = sign_in(app, person)
    page = client.get("/me/sharing").text
    assert "nothing else</p>" not in page  # the old sentence that understated it
    for scope in SCOPES:
        listed = re.search(rf'<ul class="small" data-scope="{scope}">(.*?)</ul>', page, re.S)
        assert listed, scope
        items = re.findall(r"<li>(.*?)</li>", listed.group(1))
        shown = disclosure("loan", scope)
        assert items == [i.says.replace('"', "&#34;") for i in shown.items]
        assert shown.consent_text().replace('"', "&#34;") in page
    r = client.post("/me/authorizations", data={"offer": "pt-demo-lender|loan", "days": "30",
                                                  "scope": THRESHOLD_ONLY,
                                                  "csrf": csrf_of(page)})
    assert r.status_code == 303
    assert "yes / no only" in client.get("/me/sharing").text
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            auth = s.scalars(select(Authorization).where(Authorization.person_id == person)
                             ).one()
            assert auth.scope == THRESHOLD_ONLY
    finally:
        ctx.close()


def _activate(client: TestClient, person: str, code: str, password: str,
              repeat: str | None = None, csrf: str | None = None):
    token = csrf or csrf_of(client.get("/activate").text)
    return client.post("/activate", data={"person_id": person, "code": code,
                                          "password": password,
                                          "repeat": password if repeat is None else repeat,
                                          "csrf": token})


def test_a_person_sets_a_password_with_the_activation_code_and_after_a_reset(
        app, portal_world, monkeypatch, capsys) -> None:
    from credo.service.people import logic as people
    from tests.cli import invoke

    person = portal_world.people[23]
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            code = people.enroll(s, ctx.pepper, person, actor="test")
    finally:
        ctx.close()
    client = TestClient(app, follow_redirects=False)
    login = client.get("/login").text
    assert 'href="/activate"' in login
    form = client.get("/activate")
    assert form.status_code == 200
    assert form.headers["content-security-policy"].startswith("default-src 'none'")
    for name in ("person_id", "code", "password", "repeat", "csrf"):
        assert f'name="{name}"' in form.text
    token = csrf_of(form.text)
    r = client.post("/activate", data={"person_id": person, "code": code,
                                       "password": PASSWORD, "repeat": PASSWORD})
    assert r.status_code == 403  # no CSRF token
    assert _activate(client, person, code, PASSWORD, "another password", token
                     ).status_code == 422
    assert _activate(client, person, code, "short", csrf=token).status_code == 422
    wrong = _activate(client, person, "not-the-code", PASSWORD, csrf=token)
    assert wrong.status_code == 401 and "ask the operator for a new one" in wrong.text
    r = _activate(client, person, code, PASSWORD, csrf=token)
    assert r.status_code == 303 and r.headers["location"] == "/login?activated"
    assert "Your password is set" in client.get("/login?activated").text
    sign_in(app, person)
    assert _activate(client, person, code, "a different password", csrf=token
                     ).status_code == 401  # the code worked once

    # A forgotten password: the operator issues a new code; the same page takes it.
    monkeypatch.setenv("CREDO_HOME", str(portal_world.home))
    monkeypatch.delenv("CREDO_DATABASE_URL", raising=False)
    status, out, _ = invoke(monkeypatch, capsys, "person", "enroll", person)
    assert status == 0, out
    new_code = out.split(": ")[-1].strip()
    new_password = "a brand new passphrase"
    r = _activate(client, person, new_code, new_password, csrf=token)
    assert r.status_code == 303, r.text[:300]
    sign_in(app, person, new_password)
    old = TestClient(app, follow_redirects=False)
    t = csrf_of(old.get("/login").text)
    assert old.post("/login", data={"person_id": person, "password": PASSWORD, "csrf": t}
                    ).status_code == 401


@pytest.mark.parametrize(("as_of", "due"), [
    ("2025-06-01", "2025-07-01"), ("2026-01-31", "2026-02-28"), ("2025-12-31", "2026-01-31"),
    ("2026-01-30", "2026-02-28"), ("2024-01-31", "2024-02-29"), ("2025-12-15", "2026-01-15"),
])
def test_the_next_monthly_score_date(as_of: str, due: str) -> None:
    from datetime import date

    from credo.portal.views import next_monthly

    assert next_monthly(date.fromisoformat(as_of)) == date.fromisoformat(due)


def test_the_score_says_when_it_was_computed_and_what_it_does_not_count_yet(
        app, portal_world) -> None:
    from datetime import date

    from credo.portal.views import next_monthly
    from credo.service.people.logic import lake_records
    from credo.service.scores import logic as scores

    person = portal_world.people[24]
    portal_world.enrol(person, grant=None)
    ctx = portal_world.context()
    try:
        with ctx.session() as s:
            entry = scores.current(s, person)
        # Records reported after the score's date: as when a score of June sits beside
        # records up to February of the next year.
        as_of = entry.as_of
        reported = sorted(str(r["reported_at"])[:10] for rows in
                          lake_records(ctx.lake, person, history=False).values()
                          for r in rows)
    finally:
        ctx.close()
    client = sign_in(app, person)
    for path in ("/me", "/me/records"):
        html = client.get(path).text
        note = re.search(r'data-testid="score-timing">(.*?)</p>', html, re.S)
        assert note, path
        text = " ".join(re.sub(r"<[^>]+>", "", note.group(1)).split())  # the words
        assert f"computed on {as_of}" in text
        assert f"the next is due on {next_monthly(as_of)}" in text
        assert ("is late" in text) == (next_monthly(as_of) < date.today())
        later = [d for d in reported if d > as_of.isoformat()]
        if later:
            assert f"{len(later)} record" in text and later[-1] in text
            assert "not in this score yet" in text
        else:
            assert "not in this score yet" not in text


def test_portal_errors_are_pages_and_the_api_keeps_problem_json(app, portal_world) -> None:
    person = portal_world.people[25]
    portal_world.enrol(person, grant=None)
    client = sign_in(app, person)
    for path, status in (("/nowhere", 404), ("/me/nowhere", 404),
                         ("/console/nowhere", 404), ("/logout", 405),
                         ("/me/records?all=" + "x" * 50, 422)):
        r = client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert "That could not be done" in r.text and '"status"' not in r.text
    r = client.get("/console/nowhere")
    assert 'href="/console"' in r.text
    for path in ("/v1/nowhere", "/v1/me/nowhere"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"


def test_the_consoles_fairness_page_audits_the_latest_run_by_group(app, portal_world) -> None:
    from credo.governance.fairness import AIR_FLAG
    from credo.policy.bands import CUT_OFFS

    client = console(app, portal_world.operator_key("op-fairness"))
    page = client.get("/console/fairness")
    assert page.status_code == 200
    assert f"under {AIR_FLAG:.2f} is flagged" in page.text
    for attribute in ("sex", "age_band", "region"):
        assert f'data-testid="fairness-{attribute}"' in page.text
    for cut_off in CUT_OFFS:
        assert f"({cut_off}+)" in page.text
    assert "credo report --model" in page.text  # no report written yet: how to write it


def test_the_consoles_money_bins_and_points_read_in_words(app, portal_world) -> None:
    from credo.features.wording import unit_of

    client = console(app, portal_world.operator_key("op-money"))
    html = client.get("/console").text
    assert "Scaling: 650 points at odds 30:1, 50 points to double the odds" in " ".join(
        html.split())
    bins = re.findall(r'aria-label="Bins of ([a-z0-9_]+)"(.*?)</table>', html, re.S)
    money = [(name, table) for name, table in bins if unit_of(name) == "money"]
    assert money, "the champion has no money feature to word"
    for name, table in money:
        for cell in re.findall(r"<tr><td>(.*?) <code", table):
            assert cell == "nothing reported" or "EUR " in cell, (name, cell)
    # Each bin's row ends in its points.
    points = [p for _, table in bins for p in re.findall(r"<td>([^<]*)</td></tr>", table)]
    assert points and all(re.fullmatch(r"-?\d+", p) for p in points)
    fairness = client.get("/console/fairness").text
    means = re.findall(r"</td><td>[\d,]+</td><td>([^<]*)</td>", fairness)  # the mean score
    assert means and all(re.fullmatch(r"\d{3}", m) for m in means)


def test_a_persons_reasons_say_the_reporting_currency() -> None:
    from credo.portal.views import _reason_views

    raw = [{"feature": "income_monthly_12m", "description": "Average monthly income",
            "bin": "[62473.8, 150992)", "points_lost": 12.0}]
    reason, = _reason_views(raw, "GBP")
    assert reason.situation == "from GBP 625 a month to under GBP 1,510 a month"
    assert reason.points_lost == 12 and isinstance(reason.points_lost, int)
