"""The person's controls in the portal: protection (freeze, fraud alert, e-mail),
notifications and human review.

The same library calls as the API (``credo.service.controls``, ``.notifications`` and
``.reviews``), keyed by the signed-in person's own id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credo.portal.web import FormText, PersonVisitor, PortalError, check_csrf, page, redirect
from credo.service.controls import logic as controls
from credo.service.deps import DB, Ctx
from credo.service.errors import ProblemError
from credo.service.notifications import logic as notifications
from credo.service.reviews import logic as reviews

router = APIRouter(include_in_schema=False)
CHANGES = {"freeze": "freeze", "unfreeze": "unfreeze", "alert": "place_alert",
           "lift-alert": "lift_alert"}
DONE = {
    "freeze": "Your file is frozen: every partner asking for your score is refused until "
              "you lift the freeze.",
    "unfreeze": "The freeze is lifted: partners you authorized can read your score again.",
    "alert": "Your fraud alert is placed: partners are told to verify your identity before "
             "granting credit.",
    "lift-alert": "Your fraud alert is lifted.",
    "email": "Your e-mail settings are saved.",
    "asked": "Your request for a human review was sent. You get the decision here and in "
             "your notifications.",
}


def _protection(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
                done: str | None = None, error: str | None = None,
                status: int = 200) -> Response:
    return page(request, "me_protection.html", status=status, visitor=visitor,
                controls=controls.controls(session, visitor.id),
                can_send=ctx.settings.smtp is not None, done=DONE.get(done or ""),
                error=error)


@router.get("/me/protection")
def protection_page(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
                    done: str = "") -> Response:
    return _protection(request, visitor, ctx, session, done)


@router.post("/me/protection/{change}")
def change(request: Request, change: str, visitor: PersonVisitor, ctx: Ctx, session: DB,
           csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    if change not in CHANGES:
        raise PortalError(404, "There is no such change. Use the buttons of the Protection "
                               "page.")
    try:
        controls.change(session, visitor.id, CHANGES[change])
    except ProblemError as error:  # a double click, or another tab was quicker
        return _protection(request, visitor, ctx, session, error=error.detail.capitalize()
                           + ".", status=error.status)
    return redirect(f"/me/protection?done={change}")


@router.post("/me/notification-settings")
def email_settings(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
                   email: FormText = "", email_on: FormText = "", csrf: FormText = ""
                   ) -> Response:
    check_csrf(request, visitor, csrf)
    try:
        controls.set_email(session, visitor.id, email.strip()[:300] or None,
                           email_on == "on", can_send=ctx.settings.smtp is not None)
    except ProblemError as error:
        session.rollback()
        return _protection(request, visitor, ctx, session, error=error.detail,
                           status=error.status)
    return redirect("/me/protection?done=email")


@router.get("/me/notifications")
def notifications_page(request: Request, visitor: PersonVisitor, session: DB) -> Response:
    shown = notifications.list_for_person(session, visitor.id)
    return page(request, "me_notifications.html", visitor=visitor, notices=shown,
                emails=notifications.emails_of(session, [n.id for n in shown]))


@router.post("/me/notifications/read")
def mark_read(request: Request, visitor: PersonVisitor, session: DB,
              csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    notifications.mark_read(session, visitor.id)
    return redirect("/me/notifications")


def _review_page(request: Request, visitor: PersonVisitor, session: DB, *,
                 done: str | None = None, error: str | None = None, statement: str = "",
                 status: int = 200) -> Response:
    return page(request, "me_review.html", status=status, visitor=visitor,
                reviews=reviews.list_for_person(session, visitor.id),
                done=DONE.get(done or ""), error=error, statement=statement)


@router.get("/me/review")
def review_page(request: Request, visitor: PersonVisitor, session: DB,
                done: str = "") -> Response:
    return _review_page(request, visitor, session, done=done)


@router.post("/me/review")
def ask_review(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
               statement: FormText = "", csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    try:
        reviews.request_review(session, visitor.id, statement[:4000], ctx.points_of)
    except ProblemError as error:
        session.rollback()
        return _review_page(request, visitor, session, error=error.detail,
                            statement=statement[:4000], status=error.status)
    return redirect("/me/review?done=asked")
