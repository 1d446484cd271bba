"""The ``credo`` command: a thin shell over the library.

Each domain registers its commands from its own module; this module only builds the
app and turns typed errors into one clear line and an exit code.
"""

from __future__ import annotations

import sys

import typer

from credo.errors import CredoError

app = typer.Typer(
    name="credo",
    help="credo: open, explainable creditworthiness scores (350-950).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported for their side effect: each module adds its commands to ``app``.
    from credo.cli import data, governance, pipeline, scorecard, service, simulate  # noqa: F401


def main() -> None:
    _register()
    try:
        app()  # standalone: usage errors print usage and exit 2 on their own
    except CredoError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(error.exit_code)
