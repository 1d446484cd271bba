"""The composition root: the web application is the HTTP API with the portal beside it.

The API (:mod:`credo.service`) knows nothing of the pages; the portal
(:mod:`credo.portal`) adds its pages, stylesheet and error pages to the API's app. This
is the one module that knows both.
"""

from __future__ import annotations

from fastapi import FastAPI

from credo.config import Settings
from credo.portal import install as install_portal
from credo.service.app import create_api
from credo.service.context import Rescorer, ServiceContext


def create_app(settings: Settings | None = None, *, rescorer: Rescorer | None = None,
               context: ServiceContext | None = None, warm_what_if: bool = False) -> FastAPI:
    """The API over the operational store, and the person's pages and the operator's
    console over the same service logic (``warm_what_if``: see ``create_api``)."""
    app = create_api(settings, rescorer=rescorer, context=context, warm_what_if=warm_what_if)
    install_portal(app)
    return app
