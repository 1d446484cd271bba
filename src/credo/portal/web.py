"""What every portal page shares: templates, sign-in cookies, CSRF and security headers.

Two kinds of visitor sign in. A person signs in with their id and password through the
service's own login, and the session cookie holds the same token the API would hand
out (stored only hashed; logging out deletes it). An operator signs in with an operator
API key; the console cookie holds a random session token, stored only hashed with the
key it was opened with: signing out deletes it, and revoking the key ends it too.

Every form that changes something carries a CSRF token derived from the session (an
HMAC of its credential), and is refused if the browser says it came from another
origin. Sign-in forms, which have no session yet, use a double-submit cookie. Cookies
are HttpOnly and SameSite=Strict; pages are sent with a strict Content-Security-Policy
(no script at all, no inline style), so even a missed escape cannot run code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import jinja2
from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from credo.features.wording import bin_in_words
from credo.money import money_in_words
from credo.portal.charts import meter
from credo.scorecard.scaling import whole_points
from credo.service.deps import DB, Ctx
from credo.service.errors import NotAuthenticatedError
from credo.service.keys import Principal

PERSON_COOKIE = "credo_session"
CONSOLE_COOKIE = "credo_console"
LOGIN_CSRF_COOKIE = "credo_login_csrf"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("credo.portal", "templates"),
    autoescape=True,  # every value is escaped unless a chart marks its own SVG safe
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _thousands(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def _percent(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _time(text: str) -> Markup:
    # A <time> never wraps (the stylesheet says so): "2025-06-01" stays on one line.
    return Markup('<time datetime="{0}">{0}</time>').format(text)


def _day(value: Any) -> str:
    return "–" if value is None else _time(str(value)[:10])


def _moment(value: Any) -> str:
    return "–" if value is None else _time(str(value)[:16].replace("T", " "))


def _bin_words(label: str, feature: str, currency: str) -> str:
    return bin_in_words(feature, label, currency)


def _points(value: Any) -> str:
    return "–" if value is None else str(whole_points(value))


def _signed_points(value: Any) -> str:
    return "–" if value is None else f"{whole_points(value):+d}"


# Amounts, bins and points read the same on every page: through credo.money,
# credo.features.wording and the scorecard's own rounding.
_env.filters.update(thousands=_thousands, percent=_percent, day=_day, moment=_moment,
                    money=money_in_words, bin_words=_bin_words, points=_points,
                    signed_points=_signed_points)
_env.globals["meter"] = meter


class LoginRequired(Exception):  # noqa: N818 - a redirect, not a failure
    """No valid sign-in for this page: send the browser to ``login``."""

    def __init__(self, login: str) -> None:
        self.login = login


class PortalError(Exception):
    """A request the portal refuses, shown as a page with what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Visitor:
    """Who is signed in, and the CSRF token their forms must carry."""

    principal: Principal
    csrf: str

    @property
    def id(self) -> str:
        return self.principal.id


def page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = _env.get_template(template).render(request_path=request.url.path, **values)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(location: str) -> RedirectResponse:
    # 303: the browser follows with GET, so a reload never re-submits the form.
    return RedirectResponse(location, status_code=303, headers=SECURITY_HEADERS)


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def csrf_for(pepper: bytes, credential: str) -> str:
    return hmac.new(pepper, b"csrf|" + credential.encode(), hashlib.sha256).hexdigest()


def check_origin(request: Request) -> None:
    """Refuse a form posted from another site (browsers send Origin on POST)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return  # no claim either way; the CSRF token still has to match
    if urlsplit(origin).netloc != request.url.netloc:
        raise PortalError(403, "This form was sent from another site, so it was refused. "
                               "Open credo's page yourself and try again.")


def check_csrf(request: Request, visitor: Visitor, token: str) -> None:
    check_origin(request)
    if not hmac.compare_digest(token.encode(), visitor.csrf.encode()):
        raise PortalError(403, "This form has expired or did not come from this page. "
                               "Reload the page and send it again.")


def login_csrf(request: Request) -> str:
    """The sign-in form's token: the cookie's value if the browser has one, else new."""
    value = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return value if 20 <= len(value) <= 64 and value.isascii() else secrets.token_urlsafe(24)


def check_login_csrf(request: Request, token: str) -> None:
    check_origin(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), token.encode()):
        raise PortalError(403, "The sign-in form has expired (or cookies are blocked). "
                               "Reload the sign-in page, allow cookies for this site and "
                               "try again.")


def login_page(request: Request, template: str, **values: Any) -> HTMLResponse:
    """A sign-in form, with the token its post must carry back (also set as a cookie)."""
    token = login_csrf(request)
    response = page(request, template, csrf=token, error=None, **values)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600)
    return response


def signed_in(request: Request, location: str, cookie: str, value: str,
              seconds: float) -> RedirectResponse:
    """After a sign-in: the session cookie set, the sign-in form's token spent."""
    response = redirect(location)
    set_cookie(response, request, cookie, value, int(seconds))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


# -- people --------------------------------------------------------------------------
def person_visitor(request: Request, ctx: Ctx, session: DB) -> Visitor:
    from credo.service.people.logic import authenticate_token

    token = request.cookies.get(PERSON_COOKIE, "")[:200]
    try:
        principal = authenticate_token(session, token or None, ctx.pepper)
    except NotAuthenticatedError:
        raise LoginRequired("/login") from None
    return Visitor(principal, csrf_for(ctx.pepper, principal.credential))


# -- operators -----------------------------------------------------------------------
def operator_visitor(request: Request, ctx: Ctx, session: DB) -> Visitor:
    from credo.service.operators.logic import console_principal

    token = request.cookies.get(CONSOLE_COOKIE, "")[:200]
    try:  # a session signed out of, expired, or opened with a revoked key: sign in again
        principal = console_principal(session, ctx.pepper, token or None)
    except NotAuthenticatedError:
        raise LoginRequired("/console/login") from None
    return Visitor(principal, csrf_for(ctx.pepper, principal.credential))


PersonVisitor = Annotated[Visitor, Depends(person_visitor)]
OperatorVisitor = Annotated[Visitor, Depends(operator_visitor)]
FormText = Annotated[str, Form()]
STATIC = Path(__file__).parent / "static"
