"""The HTTP API's factory: routers per domain, problem+json errors, body limits.

The whole web application (this API and the portal's pages) is put together in
:mod:`credo.app`; the API knows nothing of the pages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credo.config import Settings
from credo.errors import ConfigError, CredoError, InputError
from credo.policy.purposes import PurposeRefusedError
from credo.service.context import Rescorer, ServiceContext
from credo.service.errors import PROBLEM_MEDIA_TYPE, Problem, ProblemError, problem_type

log = logging.getLogger("credo.service")

HTTP_TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden",
               404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
               413: "Request too large", 415: "Unsupported media type",
               422: "Invalid request", 429: "Too many requests"}
HTTP_DETAILS = {
    404: "no such endpoint; see /openapi.json or /docs for the endpoints",
    405: "this endpoint does not accept this method; see /openapi.json for the methods",
}


def problem(status: int, slug: str, title: str, detail: str, request: Request | None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status,
                            "detail": detail}
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


def _field_problem(error: dict[str, Any]) -> dict[str, str]:
    """One validation error as the field it concerns and what is wrong with it."""
    if error.get("type") == "json_invalid":
        # FastAPI puts the character offset where a field name goes: ("body", 28).
        loc = tuple(error.get("loc", ()))
        at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
        why = (error.get("ctx") or {}).get("error")
        return {"field": "body",
                "problem": f"not valid JSON{at}" + (f" ({why})" if why else "")
                           + "; send one JSON object"}
    return {"field": _loc(tuple(error.get("loc", ()))), "problem": error.get("msg", "")}


class BodyLimit:
    """Refuse bodies over a size before reading them whole (also chunked uploads)."""

    def __init__(self, app: ASGIApp, default: int, larger: dict[str, int]) -> None:
        self.app, self.default, self.larger = app, default, larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.default)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(scope, receive, send, limit)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(413, "payload-too-large", "Request too large",
                           f"the request body is over {limit:,} bytes; send less per request",
                           None)
        await response(scope, receive, send)


NO_STORE_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))


class NoStore:
    """Every answer may carry personal data (scores, records, disputes, audit rows): tell
    caches not to keep it and browsers not to guess its type. Headers a response sets
    itself are kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in NO_STORE_HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(StarletteHTTPException):
    """Raised from inside the app's reading of the body: an HTTPException, so the body
    parser lets it through (it turns any other error into a 400) and the app answers
    413; BodyLimit catches it if it gets that far."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit:,} bytes; send less per "
                              "request")
        self.limit = limit


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem(exc.status, exc.slug, exc.title, exc.detail, request, exc.headers,
                       **exc.extra)

    @app.exception_handler(PurposeRefusedError)
    async def on_refused(request: Request, exc: PurposeRefusedError) -> JSONResponse:
        return problem(422, "purpose-refused", "Purpose refused", str(exc), request)

    @app.exception_handler(InputError)
    async def on_input(request: Request, exc: InputError) -> JSONResponse:
        return problem(422, "invalid-input", "Invalid input", str(exc), request)

    @app.exception_handler(CredoError)
    async def on_credo(request: Request, exc: CredoError) -> JSONResponse:
        status = 503 if isinstance(exc, ConfigError) else 409
        log.warning("request failed: %s", exc)
        return problem(status, "unavailable" if status == 503 else "conflict",
                       "Service unavailable" if status == 503 else "Conflict", str(exc),
                       request)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        # Never echo the received values: they may be hostile or personal.
        errors = [_field_problem(e) for e in exc.errors()][:20]
        first = errors[0] if errors else {"field": "body", "problem": "invalid"}
        detail = f"{first['field']}: {first['problem']}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more; see errors)"
        return problem(422, "invalid-request", "Invalid request",
                       detail + "; fix the request as described in /openapi.json", request,
                       errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        title = HTTP_TITLES.get(exc.status_code, "Error")
        detail = HTTP_DETAILS.get(exc.status_code) or str(exc.detail)
        if exc.status_code == 413:
            return problem(413, "payload-too-large", title, detail, request)
        if exc.status_code == 400:
            detail = ("the request body could not be parsed; send UTF-8 JSON as described in "
                      "/openapi.json")
        return problem(exc.status_code, title.lower().replace(" ", "-"), title, detail,
                       request, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal", "Internal error",
                       "an unexpected error occurred and was logged; retry later or report it",
                       request)


def _warm_partner_reads(ctx: ServiceContext) -> None:
    from credo.service.scores.logic import warm_partner_reads

    try:
        with ctx.engine.connect() as connection:
            warm_partner_reads(connection)
    except Exception:  # the first reads compile what they need themselves
        log.exception("preparing the partner reads at start failed")


def _warm_what_if(settings: Settings) -> None:
    from credo.pipeline.whatif import warm

    try:
        warm(settings)
    except Exception:  # the first what-if prepares what it needs itself
        log.exception("preparing the what-if at start failed")


def create_api(settings: Settings | None = None, *, rescorer: Rescorer | None = None,
               context: ServiceContext | None = None, warm_what_if: bool = False) -> FastAPI:
    """The HTTP API over the operational store (migrated to the latest schema first).

    Routers added to the app before it serves its first request are covered by the
    same body limits and cache headers. ``warm_what_if``: once started, prepare the
    what-if's feature query in the background (``credo serve`` does), so that the
    process's first what-if does not wait seconds for it; ``app.state.what_if_warm_up``
    is the thread doing it."""
    from credo.service.audit.router import router as audit_router
    from credo.service.authorizations.router import router as authorizations_router
    from credo.service.controls.router import router as controls_router
    from credo.service.disputes.router import router as disputes_router
    from credo.service.governance.router import router as governance_router
    from credo.service.insight.router import router as what_if_router
    from credo.service.notifications.router import router as notifications_router
    from credo.service.operators.router import router as operators_router
    from credo.service.partners.router import router as partners_router
    from credo.service.people.router import router as people_router
    from credo.service.reviews.router import router as reviews_router
    from credo.service.scores.router import router as scores_router
    from credo.service.sources.router import router as sources_router

    ctx = context or ServiceContext.build(settings or Settings.from_env(), rescorer=rescorer)

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        from credo.service.heap import settle
        from credo.store.checkpoint import BackgroundCheckpoints

        # SQLite's log checkpointed beside the requests, not inside one's commit.
        checkpoints = BackgroundCheckpoints.for_engine(ctx.engine)
        if checkpoints is not None:
            checkpoints.start()
        _warm_partner_reads(ctx)
        settle()  # everything is imported and built: keep it out of the collector's walk
        if warm_what_if:
            served.state.what_if_warm_up = threading.Thread(
                target=_warm_what_if, args=(ctx.settings,), name="credo-what-if-warm-up",
                daemon=True)
            served.state.what_if_warm_up.start()
        try:
            yield
        finally:
            if checkpoints is not None:
                checkpoints.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="credo scoring service",
        version="1",
        docs_url=None,  # served by credo.service.docs, from this server alone
        redoc_url=None,
        description=(
            "Creditworthiness scores (350-950) shared with lenders and rental services only "
            "under the person's purpose-bound, expiring authorization. Partners, sources and "
            "operators authenticate with an X-API-Key header; people with a bearer token "
            "from /v1/people/login. Errors are RFC 9457 application/problem+json. Each key "
            "is rate-limited (token bucket; 429 with Retry-After)."
        ),
    )
    app.state.ctx = ctx
    for r in (scores_router, authorizations_router, people_router, disputes_router,
              audit_router, partners_router, sources_router, governance_router,
              operators_router, controls_router, notifications_router, reviews_router,
              what_if_router):
        app.include_router(r)
    _install_handlers(app)
    from credo.service.docs import install as install_docs

    install_docs(app)
    app.add_middleware(BodyLimit, default=ctx.config.max_body_bytes,  # type: ignore[arg-type]
                       larger={"/v1/sources/records": ctx.config.max_ingest_bytes})
    app.add_middleware(NoStore)  # type: ignore[arg-type]  # outermost: the 413s too
    _problem_openapi(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app


def _problem_openapi(app: FastAPI) -> None:
    """Declare problem+json (not FastAPI's default shape) for validation errors."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name in ("HTTPValidationError", "ValidationError"):
            comps.pop(name, None)
        ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
        for path in schema.get("paths", {}).values():
            for op in path.values():
                for code, resp in op.get("responses", {}).items():
                    if code[0] in "45":
                        resp["content"] = {PROBLEM_MEDIA_TYPE: ref}
                if op.get("requestBody") or op.get("parameters"):
                    op["responses"].setdefault("422", {"description": "Invalid request",
                                                       "content": {PROBLEM_MEDIA_TYPE: ref}})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
