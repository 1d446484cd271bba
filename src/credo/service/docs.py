"""/docs (Swagger UI) and /redoc, served from this server alone.

The scripts and stylesheets come from a pinned package (fastapi-offline ships Swagger
UI's and ReDoc's built files), never from a CDN, so the pages work offline; they are
sent with a Content-Security-Policy that allows this server only (images also as data:
URIs, which both viewers use for their icons).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
VENDORED = Path(fastapi_offline.__file__).parent / "static"
OWN = Path(__file__).parent / "docs_static"
# The one inline style allowed is the empty one (its SHA-256 below): ReDoc's styling
# library creates empty <style> elements and fills them through the CSSOM, which CSP
# does not govern; no inline style with any content is allowed.
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {EMPTY_STYLE}; "
    "img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {"Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title>"
            f'<link rel="icon" href="{ASSETS}/favicon.png">{head}</head>'
            f"<body>{body}</body></html>")
    return HTMLResponse(html, headers=HEADERS)


def install(app: FastAPI) -> None:
    """Serve the API's documentation pages and their assets (create the app with
    ``docs_url=None, redoc_url=None``)."""
    openapi = escape(app.openapi_url or "/openapi.json")
    app.mount(f"{ASSETS}/own", StaticFiles(directory=OWN), name="docs-own")
    app.mount(ASSETS, StaticFiles(directory=VENDORED), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(f"{app.title} - Swagger UI",
                     f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">',
                     f'<div id="swagger-ui" data-openapi="{openapi}"></div>'
                     f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>'
                     f'<script src="{ASSETS}/own/swagger-init.js"></script>')

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(f"{app.title} - ReDoc", "",
                     f'<redoc spec-url="{openapi}"></redoc>'
                     f'<script src="{ASSETS}/redoc.standalone.js"></script>')
