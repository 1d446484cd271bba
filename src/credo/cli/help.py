"""How ``credo --help`` reads: commands grouped by workflow, and plain metavars.

Typer shows a parameter's Python type as its metavar (``<str>``, ``<bool>``,
``<list[str]>``) and a required argument as ``{path}``. credo's help uses the
conventions of Unix commands instead: ``--target TEXT``, ``--as-of YYYY-MM-DD``, a flag
without a metavar, ``credo score MODEL DATA``. The commands are listed in the order of
the work: data, model, run, serve, administer.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperGroup, TyperOption

# The workflow, in order: each panel's commands as they are used.
PANELS: dict[str, tuple[str, ...]] = {
    "Data": ("example", "simulate", "ingest", "lake", "quarantine"),
    "Model": ("train", "score", "explain", "report", "model", "monitor"),
    "Run": ("features", "run", "publish"),
    "Serve": ("serve", "worker"),
    "Administer": ("db", "partner", "source", "operator", "person", "dispute"),
}
_PANEL_OF = {name: panel for panel, names in PANELS.items() for name in names}
_ORDER = {name: k for k, name in enumerate(_PANEL_OF)}


def _metavar(option: TyperOption) -> str:
    """The metavar an option without one is shown with."""
    if option.is_flag or option.count:
        return ""  # a flag takes no value
    if (option.name or "").endswith("as_of"):
        return "YYYY-MM-DD"
    descriptor = option.type_descriptor
    if descriptor.is_path:
        return "PATH"
    element = descriptor.annotation
    if descriptor.is_list:
        element = (getattr(element, "__args__", None) or (str,))[0]
    return {int: "INTEGER", float: "NUMBER", bool: "BOOLEAN"}.get(element, "TEXT")


class _Argument(TyperArgument):
    """An argument shown by its upper-case name alone: ``MODEL``, ``[DATA]``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def _tidy_params(command: Any, ctx: Any) -> None:
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is None:
            continue
        if isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = _metavar(param)
        elif isinstance(param, TyperArgument):
            param.metavar = (param.metavar or param.name or "").upper()
            # Typer has no hook for an argument's rendering: its class is swapped for
            # one that renders as above (same state, two methods overridden).
            param.__class__ = _Argument


def tidy(command: Any, ctx: Any) -> None:
    """Give every parameter of ``command`` (and of its subcommands) a plain metavar."""
    if getattr(command, "_credo_tidy", False):
        return
    command._credo_tidy = True
    _tidy_params(command, ctx)
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                tidy(sub, ctx)


class CredoGroup(TyperGroup):
    """The ``credo`` command: its commands by workflow, their help tidied."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: _ORDER.get(name, len(_ORDER)))

    def get_command(self, ctx: Any, cmd_name: str) -> Any | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            command.rich_help_panel = _PANEL_OF.get(cmd_name)
            tidy(command, ctx)
        return command

    def get_params(self, ctx: Any) -> list[Any]:
        if not getattr(self, "_credo_tidy", False):
            self._credo_tidy = True
            _tidy_params(self, ctx)
        return super().get_params(ctx)
