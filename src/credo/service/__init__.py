"""The scoring service: an HTTP API (FastAPI) over the operational store.

One package per domain (partners, authorizations, scores, people, disputes, sources,
audit), each with ``router.py`` (HTTP), ``schemas.py`` (pydantic) and ``logic.py``
(callable from the CLI and, later, the web portal, without HTTP).
"""

from credo.service.app import create_app
from credo.service.context import ServiceContext

__all__ = ["ServiceContext", "create_app"]
