"""The person's pages: the score and what it means, sharing, records and disputes.

Every page is keyed by the signed-in person's own id, taken from the session and never
from the address or the form, so one person's pages cannot show another's data.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from credo.errors import CredoError
from credo.portal import charts, views
from credo.portal.web import (
    PERSON_COOKIE,
    SECURITY_HEADERS,
    FormText,
    PersonVisitor,
    PortalError,
    Visitor,
    check_csrf,
    check_login_csrf,
    login_page,
    page,
    redirect,
    signed_in,
)
from credo.service.authorizations import logic as authorizations
from credo.service.deps import DB, Ctx, client_key
from credo.service.disputes import logic as disputes
from credo.service.errors import InvalidRequestError, ProblemError
from credo.service.insight import logic as insight
from credo.service.people import logic as people
from credo.service.scores import logic as scores

router = APIRouter(include_in_schema=False)
DONE = {"revoked": "The authorization was revoked: that partner can no longer see your "
                   "score.",
        "granted": "The authorization was granted: that partner receives what you chose, "
                   "for that purpose only, until the date shown. You can revoke it at any "
                   "time.",
        "disputed": "Your dispute was filed. The record is left out of your score until "
                    "it is answered."}


@router.get("/")
def home() -> Response:
    return redirect("/me")


@router.get("/login")
def login_form(request: Request) -> Response:
    return login_page(request, "login.html", person_id="",
                      signed_out="bye" in request.query_params,
                      activated="activated" in request.query_params)


@router.post("/login")
def login(request: Request, ctx: Ctx, session: DB, person_id: FormText = "",
          password: FormText = "", csrf: FormText = "") -> Response:
    check_login_csrf(request, csrf)
    person_id = person_id.strip()[:64]
    try:
        ctx.limiter.check("login:" + client_key(request))
        ctx.limiter.check("login-person:" + person_id)
        token, _ = people.login(session, ctx.pepper, person_id, password[:1024],
                                ctx.config.token_hours, client=client_key(request))
    except ProblemError as error:
        session.rollback()
        response = page(request, "login.html", status=error.status, csrf=csrf,
                        error=error.detail, person_id=person_id, signed_out=False,
                        activated=False)
        if "Retry-After" in error.headers:
            response.headers["Retry-After"] = error.headers["Retry-After"]
        return response
    return signed_in(request, "/me", PERSON_COOKIE, token, ctx.config.token_hours * 3600)


def _activate_page(request: Request, **values: object) -> Response:
    return login_page(request, "activate.html", days=people.ACTIVATION_DAYS,
                      min_length=people.MIN_PASSWORD, **values)


@router.get("/activate")
def activate_form(request: Request) -> Response:
    """Set a password with the operator's one-time activation code (also after a reset:
    the operator issues a new code with `credo person enroll`)."""
    return _activate_page(request, person_id="")


@router.post("/activate")
def activate(request: Request, ctx: Ctx, session: DB, person_id: FormText = "",
             code: FormText = "", password: FormText = "", repeat: FormText = "",
             csrf: FormText = "") -> Response:
    check_login_csrf(request, csrf)
    person_id = person_id.strip()[:64]
    try:
        ctx.limiter.check("activate:" + client_key(request))
        if password != repeat:
            raise InvalidRequestError("the two passwords differ; type the same one twice")
        if len(password) > 256:  # never cut it: the person would not know the stored one
            raise InvalidRequestError("password: use at most 256 characters")
        people.activate(session, ctx.pepper, person_id, code.strip()[:100], password)
    except ProblemError as error:
        session.rollback()
        return page(request, "activate.html", status=error.status, csrf=csrf,
                    error=error.detail, person_id=person_id, days=people.ACTIVATION_DAYS,
                    min_length=people.MIN_PASSWORD)
    return redirect("/login?activated")


@router.post("/logout")
def logout(request: Request, visitor: PersonVisitor, session: DB,
           csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    people.logout(session, visitor.principal)
    response = redirect("/login?bye")
    response.delete_cookie(PERSON_COOKIE, path="/")
    return response


@router.get("/me")
def score_page(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB) -> Response:
    view = views.person_overview(session, visitor.id, ctx.settings.currency, ctx.lake)
    entry = view["entry"]
    pictures = {}
    if entry is not None:
        pictures["gauge"] = charts.gauge(entry.score, entry.band)
        pictures["dimensions"] = charts.horizontal_bars(
            view["sub_scores"], "Your five dimension sub-scores on the 350 to 950 scale")
    if len(view["over_time"]) > 0:
        pictures["history"] = charts.score_history(view["over_time"],
                                                   "Your score over the months")
    try:
        changes = insight.changes(ctx.settings, visitor.id) if entry is not None else None
    except ProblemError:
        changes = None
    return page(request, "me_score.html", visitor=visitor, view=view, pictures=pictures,
                changes=changes)


@router.get("/me/sharing")
def sharing_page(request: Request, visitor: PersonVisitor, session: DB,
                 done: str = "") -> Response:
    return page(request, "me_sharing.html", visitor=visitor,
                view=views.sharing(session, visitor.id), done=DONE.get(done), error=None,
                days=authorizations.MAX_DAYS)


@router.post("/me/authorizations")
def grant(request: Request, visitor: PersonVisitor, session: DB, offer: FormText = "",
          days: FormText = "", scope: FormText = "score", csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    partner_id, _, purpose = offer[:300].partition("|")
    try:
        if not partner_id or not purpose:
            raise InvalidRequestError("choose a partner and a purpose from the list")
        valid_days = int(days) if days.strip().isdigit() and len(days) < 5 else 0
        if not 1 <= valid_days <= authorizations.MAX_DAYS:
            raise InvalidRequestError(
                f"choose how long the partner may see your score: 1 to "
                f"{authorizations.MAX_DAYS} days")
        authorizations.grant(session, visitor.id, partner_id, purpose, valid_days,
                             scope[:40])
    except CredoError as error:  # a service refusal, or a purpose outside credit
        session.rollback()
        status = error.status if isinstance(error, ProblemError) else 422
        message = error.detail if isinstance(error, ProblemError) else str(error)
        return page(request, "me_sharing.html", status=status, visitor=visitor,
                    view=views.sharing(session, visitor.id), done=None, error=message,
                    days=authorizations.MAX_DAYS)
    return redirect("/me/sharing?done=granted")


@router.post("/me/authorizations/{authorization_id}/revoke")
def revoke(request: Request, authorization_id: str, visitor: PersonVisitor, session: DB,
           csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    try:
        authorizations.revoke(session, visitor.id, authorization_id[:64])
    except ProblemError:
        raise PortalError(404, "You have no such authorization. Go back to the sharing "
                               "page to see yours.") from None
    return redirect("/me/sharing?done=revoked")


@router.get("/me/records")
def records_page(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
                 done: str = "", all: Annotated[str | None, Query(max_length=20)] = None,
                 ) -> Response:
    view = views.records(ctx.lake, session, visitor.id, show_all=all)
    entry = scores.current(session, visitor.id)
    timing = views.score_timing(entry, ctx.lake) if entry is not None else None
    return page(request, "me_records.html", visitor=visitor, view=view, timing=timing,
                disputes=disputes.list_for_person(session, visitor.id), done=DONE.get(done))


def _dispute_form(request: Request, visitor: Visitor, ctx: Ctx, kind: str, source_id: str,
                  record_id: str, reason: str = "", error: str | None = None,
                  status: int = 200) -> Response:
    record = views.find_record(ctx.lake, visitor.id, kind, source_id, record_id)
    if record is None:
        raise PortalError(404, "You have no such record. Open your records page and use "
                               "the Dispute button next to the record.")
    return page(request, "me_dispute.html", status=status, visitor=visitor, kind=kind,
                source_id=source_id, record_id=record_id, record=record, reason=reason,
                error=error, title=views.KIND_TITLES[kind])


@router.get("/me/records/dispute")
def dispute_form(request: Request, visitor: PersonVisitor, ctx: Ctx,
                 kind: Annotated[str, Query(max_length=40)] = "",
                 source_id: Annotated[str, Query(max_length=200)] = "",
                 record_id: Annotated[str, Query(max_length=200)] = "") -> Response:
    return _dispute_form(request, visitor, ctx, kind, source_id, record_id)


@router.post("/me/disputes")
def file_dispute(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
                 kind: FormText = "", source_id: FormText = "", record_id: FormText = "",
                 reason: FormText = "", csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    kind, source_id, record_id = kind[:40], source_id[:200], record_id[:200]
    try:
        disputes.file_dispute(session, ctx.lake, visitor.id, kind=kind, source_id=source_id,
                              record_id=record_id, reason=reason)
    except ProblemError as error:
        session.rollback()
        if error.status == 404:
            raise PortalError(404, "You have no such record. Open your records page and use "
                                   "the Dispute button next to the record.") from None
        return _dispute_form(request, visitor, ctx, kind, source_id, record_id,
                             reason=reason[:4000], error=error.detail, status=error.status)
    return redirect("/me/records?done=disputed#disputes")


@router.post("/me/export")
def export(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
           csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    data = people.export(session, ctx.lake, visitor.id)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Response(body, media_type="application/json", headers={
        **SECURITY_HEADERS,
        "Content-Disposition": 'attachment; filename="credo-my-data.json"',
    })
