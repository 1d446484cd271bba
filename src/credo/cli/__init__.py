"""The ``credo`` command: a thin shell over the library.

Each domain registers its commands from its own module; this module only builds the
app and turns typed errors into one clear line and an exit code.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from credo import __version__
from credo.cli.help import CredoGroup
from credo.cli.output import quiet
from credo.errors import CredoError

app = typer.Typer(
    name="credo",
    cls=CredoGroup,
    help="credo: open, explainable creditworthiness scores (350-950).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"credo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print credo's version and exit.")] = False,
    quiet_: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or stage times on a terminal (off a terminal there are none).")] = False,
) -> None:
    quiet.on = quiet_


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
