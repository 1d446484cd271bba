"""The ``credo`` command's root: the app every command module adds its commands to.

Its own module so that the command modules import it without importing the package
that loads them (which would make an import circle).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="credo",
    help="credo: open, explainable creditworthiness scores (350-950).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
