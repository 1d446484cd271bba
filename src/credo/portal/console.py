"""The operator's console: the model, the registry, the monthly runs, fairness, the
dispute queue, the sources and the audit log.

Operators sign in with their operator API key. Deciding a dispute goes through the same
``disputes.resolve`` as the API and the CLI (audited, then the person is rescored);
promoting a model or rolling back goes through the registry's own transitions (audited,
409 for the loser of two changes at once); everything else here only reads.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from credo.policy.bands import BAND_NAMES, BANDS
from credo.portal import charts, views
from credo.portal.web import (
    CONSOLE_COOKIE,
    SECURITY_HEADERS,
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
from credo.service.audit import logic as audit_logic
from credo.service.deps import DB, Ctx, client_key
from credo.service.disputes import logic as disputes
from credo.service.errors import ProblemError
from credo.service.governance import logic as governance
from credo.service.operators.logic import CONSOLE_HOURS, end_console_session, open_console_session
from credo.service.reviews import logic as reviews

router = APIRouter(prefix="/console", include_in_schema=False)
REVIEW_DONE = {"confirmed": "The review is decided: the score stands. The person reads your "
                            "reasons.",
               "withdrawn": "The review is decided: the score is withdrawn until the next "
                            "monthly run. The person reads your reasons."}
DONE = {"upheld": "The dispute was upheld: the record stays out of scoring and the person "
                  "was rescored.",
        "rejected": "The dispute was rejected: the record counts again and the person was "
                    "rescored."}
MODEL_DONE = {"promoted": "The model was promoted: it is the champion, and the next monthly "
                          "run scores with it.",
              "rolled-back": "The champion was rolled back: the model it replaced is the "
                             "champion again."}
# A validation report carries its styles inline; it still runs no script.
REPORT_HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy": (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'")}


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
        pictures["mean"] = charts.mean_score_trend(
            [(r["as_of"][:7], r["mean_score"]) for r in runs],
            "Mean score of the people at risk, by run")
        pictures["psi"] = charts.psi_trend(
            [(r["as_of"][:7], r["psi"], r["psi_status"]) for r in runs],
            f"PSI against the month before, by run, with the watch ({PSI_WATCH:.2f}) and "
            f"act ({PSI_ACT:.2f}) thresholds", watch=PSI_WATCH, act=PSI_ACT)
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


@router.get("/reviews")
def reviews_page(request: Request, visitor: OperatorVisitor, ctx: Ctx, session: DB,
                 done: str = "") -> Response:
    queue = reviews.list_all_audited(session, actor=visitor.id, where="console")
    return page(request, "console_reviews.html", visitor=visitor,
                open=[r for r in queue if r.status == "open"],
                decided=sorted((r for r in queue if r.status != "open"),
                               key=lambda r: r.decided_at, reverse=True)[:50],
                today=date.today(), done=REVIEW_DONE.get(done),
                currency=ctx.settings.currency)


@router.post("/reviews/{review_id}")
def decide_review(request: Request, review_id: str, visitor: OperatorVisitor, session: DB,
                  outcome: FormText = "", reasons: FormText = "",
                  csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    if outcome not in reviews.OUTCOMES:
        raise PortalError(422, "Choose Confirm or Withdraw.")
    if not reasons.strip():
        raise PortalError(422, "Give the reasons for your decision: the person reads them.")
    try:
        reviews.decide(session, review_id[:64], outcome, reasons=reasons, actor=visitor.id)
    except ProblemError as error:
        session.rollback()
        raise PortalError(error.status, error.detail) from None
    return redirect(f"/console/reviews?done={outcome}")


@router.get("/sources")
def sources_page(request: Request, visitor: OperatorVisitor, ctx: Ctx,
                 session: DB) -> Response:
    view = governance.source_summary(session, ctx.lake, actor=visitor.id)
    return page(request, "console_sources.html", visitor=visitor, view=view)


# -- the model registry ------------------------------------------------------------------
@router.get("/models")
def models_page(request: Request, visitor: OperatorVisitor, ctx: Ctx, session: DB,
                done: str = "") -> Response:
    view = governance.list_models(session, visitor.principal)
    reports = {m.model_id for m in view.models
               if governance.report_path(ctx.settings, m.model_id).is_file()}
    return page(request, "console_models.html", visitor=visitor, view=view, reports=reports,
                done=MODEL_DONE.get(done))


def _seen(value: str) -> str | None:
    return value[:200] or None  # the form says "" when there was no champion


@router.post("/models/rollback")
def rollback_model(request: Request, visitor: OperatorVisitor, ctx: Ctx, session: DB,
                   seen: FormText = "", note: FormText = "", csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    try:
        governance.rollback(session, ctx.settings, visitor.principal, _seen(seen),
                            note=note.strip()[:500] or None)
    except ProblemError as error:
        raise PortalError(error.status, error.detail) from None
    return redirect("/console/models?done=rolled-back")


@router.post("/models/{model_id}/promote")
def promote_model(request: Request, model_id: str, visitor: OperatorVisitor, ctx: Ctx,
                  session: DB, seen: FormText = "", note: FormText = "",
                  csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    try:
        governance.promote(session, ctx.settings, visitor.principal, model_id[:200],
                           _seen(seen), note=note.strip()[:500] or None)
    except ProblemError as error:
        raise PortalError(error.status, error.detail) from None
    return redirect("/console/models?done=promoted")


@router.get("/models/{model_id}/report")
def report_page(model_id: str, visitor: OperatorVisitor, ctx: Ctx, session: DB) -> Response:
    """The model's validation report as written: a self-contained page whose styles are
    inline, so it is sent with its own policy (styles allowed, still no script)."""
    try:
        html = governance.validation_report(session, ctx.settings, visitor.principal,
                                            model_id[:200])
    except ProblemError as error:
        raise PortalError(error.status, error.detail) from None
    return HTMLResponse(html, headers=REPORT_HEADERS)


# -- fairness ----------------------------------------------------------------------------
@router.get("/fairness")
def fairness_page(request: Request, visitor: OperatorVisitor, ctx: Ctx, session: DB
                  ) -> Response:
    view = governance.latest_fairness(ctx.settings)
    champion = governance.champion_id(session)
    report = (champion if champion and
              governance.report_path(ctx.settings, champion).is_file() else None)
    return page(request, "console_fairness.html", visitor=visitor, view=view,
                band_at={b.low: b.name for b in BANDS}, champion=champion, report=report,
                report_path=governance.report_path(ctx.settings, champion)
                if champion else None)


# -- the audit log -----------------------------------------------------------------------
@router.get("/audit")
def audit_page(request: Request, visitor: OperatorVisitor, session: DB,
               actor: Annotated[str, Query(max_length=200)] = "",
               action: Annotated[str, Query(max_length=100)] = "",
               since: Annotated[str, Query(alias="from", max_length=40)] = "",
               until: Annotated[str, Query(alias="to", max_length=40)] = "",
               page_number: Annotated[str, Query(alias="page", max_length=12)] = "",
               ) -> Response:
    form = {"actor": actor, "action": action, "from": since, "to": until}
    try:
        query = audit_logic.audit_query(actor, action, since, until, page_number)
    except ProblemError as error:
        return page(request, "console_audit.html", status=error.status, visitor=visitor,
                    form=form, error=error.detail, events=[], more=False, query=None,
                    actions=audit_logic.actions(session))
    events, more = audit_logic.search(session, query, visitor.principal)
    return page(request, "console_audit.html", visitor=visitor, form=form, error=None,
                events=events, more=more, query=query, actions=audit_logic.actions(session))
