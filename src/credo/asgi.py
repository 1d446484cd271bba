"""The ASGI entry point for ``credo serve`` (uvicorn imports ``app`` from here)."""

from credo.app import create_app

app = create_app()
