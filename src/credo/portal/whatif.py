"""The person's what-if page: a form of scenarios on their own records, answered exactly.

The form is read into the same actions the API takes and answered by the same library
call (``credo.service.insight.logic``); amounts are typed in currency units, as the
records page shows them.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from credo.data.schemas import ACCOUNT_KINDS, KINDS, MAX_MONEY
from credo.features.catalogue import CATALOGUE
from credo.pipeline import scenarios as sc
from credo.portal.web import FormText, PersonVisitor, check_csrf, page
from credo.service.deps import DB, Ctx
from credo.service.errors import InvalidRequestError, ProblemError
from credo.service.insight import logic

router = APIRouter(include_in_schema=False)
MONTH_CHOICES = (1, 3, 6, 12, 24)
DESCRIPTIONS = {f.name: f.description for f in CATALOGUE}
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def cents(text: str, what: str) -> int:
    """An amount typed in currency units (``1234.5``, ``1,234.50``) as integer cents."""
    value = text.strip().replace(",", "")
    if not _AMOUNT.match(value):
        raise InvalidRequestError(f"{what}: type an amount such as 250 or 250.00")
    whole, _, part = value.partition(".")
    amount = int(whole) * 100 + int((part + "00")[:2])
    if amount > MAX_MONEY:
        raise InvalidRequestError(f"{what}: at most {MAX_MONEY // 100:,}")
    return amount


def _actions(pay_account: str, pay_to: str, months: str, close_account: str,
             open_kind: str, open_limit: str, leave: str) -> list[sc.Action]:
    actions: list[sc.Action] = []
    if pay_account:
        actions.append(sc.PayDown(pay_account[:128], cents(pay_to, "the balance to pay down to")))
    if close_account:
        actions.append(sc.CloseAccount(close_account[:128]))
    if open_kind:
        if open_kind not in ACCOUNT_KINDS:
            raise InvalidRequestError("choose the kind of account to open from the list")
        limit = cents(open_limit, "the new account's limit") if open_limit.strip() else None
        actions.append(sc.OpenAccount(open_kind, limit))
    if leave:
        kind, _, rest = leave[:600].partition("|")
        source_id, _, record_id = rest.partition("|")
        if kind not in KINDS or not source_id or not record_id:
            raise InvalidRequestError("the record to leave out is not one of yours")
        actions.append(sc.LeaveOut(kind, source_id, record_id))
    if months:
        if not months.isdigit() or int(months) not in MONTH_CHOICES:
            raise InvalidRequestError("choose a number of months from the list")
        actions.append(sc.OnTime(int(months)))
    if not actions:
        raise InvalidRequestError("choose at least one thing to try")
    return actions


def _page(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB, *,
          status: int = 200, **values: object) -> Response:
    defaults: dict[str, object] = {"answer": None, "error": None, "form": {}, "leave": "",
                                   "plan": None}
    return page(request, "me_what_if.html", status=status, visitor=visitor,
                targets=logic.targets(session, ctx.settings, visitor.id),
                accounts=logic.account_choices(ctx.settings, visitor.id,
                                               logic.left_out(session, visitor.id)),
                kinds=ACCOUNT_KINDS, months=MONTH_CHOICES, descriptions=DESCRIPTIONS,
                currency=ctx.settings.currency,
                **{**defaults, **values})


@router.get("/me/what-if")
def what_if_form(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
                 kind: Annotated[str, Query(max_length=40)] = "",
                 source_id: Annotated[str, Query(max_length=200)] = "",
                 record_id: Annotated[str, Query(max_length=200)] = "") -> Response:
    leave = f"{kind}|{source_id}|{record_id}" if kind and source_id and record_id else ""
    return _page(request, visitor, ctx, session, leave=leave)


@router.post("/me/what-if")
def what_if(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
            pay_account: FormText = "", pay_to: FormText = "", months: FormText = "",
            close_account: FormText = "", open_kind: FormText = "", open_limit: FormText = "",
            leave: FormText = "", csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    form = {"pay_account": pay_account, "pay_to": pay_to[:40], "months": months,
            "close_account": close_account, "open_kind": open_kind,
            "open_limit": open_limit[:40]}
    try:
        actions = _actions(pay_account, pay_to, months, close_account, open_kind,
                           open_limit, leave)
        answer = logic.run_what_if(session, ctx.settings, visitor.id, [actions])
    except ProblemError as error:
        session.rollback()
        return _page(request, visitor, ctx, session, status=error.status, error=error.detail,
                     form=form, leave=leave[:600])
    return _page(request, visitor, ctx, session, answer=answer, form=form, leave=leave[:600])


@router.post("/me/path")
def path(request: Request, visitor: PersonVisitor, ctx: Ctx, session: DB,
         target: FormText = "", csrf: FormText = "") -> Response:
    check_csrf(request, visitor, csrf)
    try:
        if not target.isdigit() or not 350 <= int(target) <= 950:
            raise InvalidRequestError("choose a score to reach from the list")
        plan = logic.path(session, ctx.settings, visitor.id, int(target))
    except ProblemError as error:
        session.rollback()
        return _page(request, visitor, ctx, session, status=error.status, error=error.detail)
    return _page(request, visitor, ctx, session, plan=plan)
