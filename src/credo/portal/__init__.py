"""The web portal: the person's pages and the operator's console, served beside the API
(both put together by :mod:`credo.app`).

Pages are rendered on the server from the same library calls as the API, with charts
drawn as SVG; there is no script, so they work offline, on a phone and with a keyboard.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from credo.portal.web import STATIC, LoginRequired, PortalError, page, redirect


def install(app: FastAPI) -> None:
    """Add the portal's pages, its stylesheet and its error pages to the API's app.

    A page's address answers an invalid value, an unknown path or a wrong method with a
    page; the API's own addresses keep the API's problem+json answers."""
    from credo.portal.console import router as console_router
    from credo.portal.controls import router as controls_router
    from credo.portal.person import router as person_router
    from credo.portal.whatif import router as what_if_router

    app.include_router(person_router)
    app.include_router(what_if_router)
    app.include_router(console_router)
    app.include_router(controls_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def on_login_required(request: Request, exc: LoginRequired) -> Response:
        return redirect(exc.login)

    @app.exception_handler(PortalError)
    async def on_portal_error(request: Request, exc: PortalError) -> Response:
        return error_page(request, exc.status, exc.message)

    api_on_invalid = app.exception_handlers[RequestValidationError]
    api_on_http = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_portal(request):
            return error_page(request, 422)
        return await api_on_invalid(request, exc)  # type: ignore[no-any-return]

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if is_portal(request) and exc.status_code in (404, 405):
            return error_page(request, exc.status_code)
        return await api_on_http(request, exc)  # type: ignore[no-any-return]


# The API's own addresses answer errors as problem+json; every other address is the
# portal's, for a browser, and answers with a page.
API_PREFIXES = ("/v1/", "/openapi.json", "/healthz", "/docs", "/redoc")
PAGE_MESSAGES = {
    404: "There is no such page. Use the links above, or go back.",
    405: "This page cannot be opened that way. Go back and use the page's own links and "
         "buttons.",
    422: "This address has a value the page cannot use. Go back and use the page's own "
         "links and buttons.",
}


def is_portal(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith(API_PREFIXES) or path == "/v1")


def error_page(request: Request, status: int, message: str | None = None) -> Response:
    back = "/console" if request.url.path.startswith("/console") else "/me"
    return page(request, "error.html", status=status, back=back,
                message=message or PAGE_MESSAGES.get(status, "That could not be done. "
                                                              "Go back and try again."))
