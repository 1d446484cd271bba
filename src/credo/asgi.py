"""The ASGI entry point for ``credo serve`` (uvicorn imports ``app`` from here)."""

from credo.app import create_app

# A server's processes prepare the what-if's feature query as they start.
app = create_app(warm_what_if=True)
