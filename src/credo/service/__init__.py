"""The scoring service: an HTTP API (FastAPI) over the operational store.

One package per domain (partners, authorizations, scores, people, disputes, sources,
audit, operators, governance), each with ``router.py`` (HTTP), ``schemas.py``
(pydantic) and ``logic.py`` (the rule, callable from the CLI and the portal without
HTTP). :func:`create_api` builds the API alone; :mod:`credo.app` adds the portal.
"""

from credo.service.app import create_api
from credo.service.context import ServiceContext

__all__ = ["ServiceContext", "create_api"]
