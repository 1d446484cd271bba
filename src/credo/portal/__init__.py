"""The web portal: the person's pages and the operator's console, served by the API app.

Pages are rendered on the server from the same library calls as the API, with charts
drawn as SVG; there is no script, so they work offline, on a phone and with a keyboard.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from credo.portal.web import STATIC, LoginRequired, PortalError, page, redirect


def install(app: FastAPI) -> None:
    """Add the portal's pages, its stylesheet and its error pages to the app."""
    from credo.portal.console import router as console_router
    from credo.portal.person import router as person_router

    app.include_router(person_router)
    app.include_router(console_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def on_login_required(request: Request, exc: LoginRequired) -> Response:
        return redirect(exc.login)

    @app.exception_handler(PortalError)
    async def on_portal_error(request: Request, exc: PortalError) -> Response:
        back = "/console" if request.url.path.startswith("/console") else "/me"
        return page(request, "error.html", status=exc.status, message=exc.message,
                    back=back)
