"""The ``credo`` command: a thin shell over the library.

Each domain registers its commands from its own module on the app of
:mod:`credo.cli.root`; this module only loads them and turns typed errors into one clear
line and an exit code.
"""

from __future__ import annotations

import sys

import typer

from credo.cli.root import app
from credo.errors import CredoError

__all__ = ["app", "main", "register_commands"]


def register_commands() -> None:
    # Imported for their side effect: each module adds its commands to ``app``.
    from credo.cli import data, governance, pipeline, scorecard, service, simulate  # noqa: F401


def main() -> None:
    register_commands()
    try:
        app()  # standalone: usage errors print usage and exit 2 on their own
    except CredoError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(error.exit_code)
