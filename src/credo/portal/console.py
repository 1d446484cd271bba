"""The operator's console: the model, the monthly runs, the dispute queue, the sources.

Operators sign in with their operator API key. Deciding a dispute goes through the same
``disputes.resolve`` as the API and the CLI (audited, then the person is rescored);
everything else here only reads.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credo.policy.bands import BAND_NAMES
from credo.portal import charts, views
from credo.portal.web import (
    CONSOLE_COOKIE,
    FormText,
    OperatorVisitor,
    PortalError,
    check_csrf,
    check_login_csrf,
    login_page,
    page,
    redirect,
    signed_in,
)
from credo.scorecard.metrics import PSI_ACT, PSI_WATCH
from credo.service.deps import DB, Ctx, client_key
from credo.service.disputes import logic as disputes
from credo.service.errors import ProblemError
from credo.service.governance import logic as governance
from credo.service.operators.logic import CONSOLE_HOURS, end_console_session, open_console_session

router = APIRouter(prefix="/console", include_in_schema=False)
DONE = {"upheld": "The dispute was upheld: the record stays out of scoring and the person "
                  "was rescored.",
        "rejected": "The dispute was rejected: the record counts again and the person was "
                    "rescored."}


@router.get("/login")
def login_form(request: Request) -> Response:
    return login_page(request, "console_login.html")


@router.post("/login")
def login(request: Request, ctx: Ctx, session: DB, api_key: FormText = "",
          csrf: FormText = "") -> Response:
    check_login_csrf(request, csrf)
    try:
        ctx.limiter.check("console-login:" + client_key(request))
        cookie = open_console_session(session, ctx.pepper, api_key.strip())
    except ProblemError as error:
        return page(request, "console_login.html", status=error.status, csrf=csrf,
                    error=error.detail)
    return signed_in(request, "/console", CONSOLE_COOKIE, cookie, CONSOLE_HOURS * 3600)


@router.post("/logout")
def logout(request: Request, visitor: OperatorVisitor, session: DB,
           csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    end_console_session(session, visitor.principal)
    response = redirect("/console/login")
    response.delete_cookie(CONSOLE_COOKIE, path="/")
    return response


@router.get("")
def model_page(request: Request, visitor: OperatorVisitor, ctx: Ctx, session: DB) -> Response:
    view = views.model_overview(ctx.settings, session)
    pictures = {}
    if view is not None:
        rows = view["calibration"]
        if rows:
            pictures["bands"] = charts.columns(
                [r["band"] for r in rows], [r["share"] for r in rows],
                "Share of people and observed bad rate by score band (out of time)",
                overlay=[r["observed_bad_rate"] for r in rows],
                value_label="share of people", overlay_label="observed bad rate")
        curves = view["curves"]
        if curves:
            pictures["roc"] = charts.curves(
                [("out of time", curves["roc"]["fpr"], curves["roc"]["tpr"])],
                "ROC curve out of time", "share of goods declined",
                "share of bads declined", diagonal=True)
            ks = curves["ks"]
            pictures["ks"] = charts.curves(
                [("bads", ks["score"], ks["bad_share"]),
                 ("goods", ks["score"], ks["good_share"])],
                "KS: cumulative shares of bads and goods by score", "score",
                "share at or below the score", x_range=(350, 950))
    return page(request, "console_model.html", visitor=visitor, view=view,
                pictures=pictures)


@router.get("/runs")
def runs_page(request: Request, visitor: OperatorVisitor, ctx: Ctx) -> Response:
    runs = governance.run_history(ctx.settings)
    pictures = {}
    if runs:
        pictures["psi"] = charts.columns(
            [r["as_of"][:7] for r in runs], [r["mean_score"] for r in runs],
            "Mean score and PSI against the month before, by run",
            overlay=[r["psi"] for r in runs], value_label="mean score",
            overlay_label="PSI", percent=False, overlay_format=".3f")
    return page(request, "console_runs.html", visitor=visitor, runs=list(reversed(runs)),
                bands=BAND_NAMES, pictures=pictures, psi_watch=PSI_WATCH, psi_act=PSI_ACT)


@router.get("/disputes")
def disputes_page(request: Request, visitor: OperatorVisitor, session: DB,
                  done: str = "") -> Response:
    return page(request, "console_disputes.html", visitor=visitor,
                view=views.dispute_queue(session, visitor.id),
                done=DONE.get(done))


@router.post("/disputes/{dispute_id}")
def decide(request: Request, dispute_id: str, visitor: OperatorVisitor, ctx: Ctx,
           session: DB, outcome: FormText = "", note: FormText = "",
           csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    if outcome not in ("upheld", "rejected"):
        raise PortalError(422, "Choose Uphold or Reject.")
    if not note.strip():
        raise PortalError(422, "Give the reason for your decision: the person reads it.")
    try:
        disputes.resolve(session, dispute_id[:64], outcome, note=note, actor=visitor.id,
                         rescorer=ctx.rescorer)
    except ProblemError as error:
        session.rollback()
        raise PortalError(error.status, error.detail) from None
    return redirect(f"/console/disputes?done={outcome}")


@router.get("/sources")
def sources_page(request: Request, visitor: OperatorVisitor, ctx: Ctx,
                 session: DB) -> Response:
    view = governance.source_summary(session, ctx.lake, actor=visitor.id)
    return page(request, "console_sources.html", visitor=visitor, view=view)
