"""The ``credo`` command's root: the app every command module adds its commands to.

Its own module so that the command modules import it without importing the package
that loads them (which would make an import circle).
"""

from __future__ import annotations

from typing import Annotated

import typer

from credo import __version__
from credo.cli.help import CredoGroup
from credo.cli.output import quiet

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
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print credo's version and exit.")] = False,
    quiet_: Annotated[bool, typer.Option(
        "--quiet", "-q",
        help="No progress bars or stage times on a terminal (off a terminal there are "
             "none).")] = False,
) -> None:
    quiet.on = quiet_
