"""How the command reads: --version, completion, help by workflow, plain metavars, and
the --json schemas documented where scripts look for them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer

from credo import __version__
from credo.cli import app, register_commands
from credo.cli.help import PANELS
from credo.cli.schemas import SCHEMAS
from tests.cli import invoke

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli-json.md"
# Typer's own renderings of a Python type, and a truncated help cell.
NOT_IN_HELP = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\])[^>]*>|\{[A-Za-z_]+\}|…")


@pytest.fixture
def run(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    return lambda *args: invoke(monkeypatch, capsys, *args)


def _command_paths() -> list[list[str]]:
    register_commands()
    group = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command, prefix: list[str]) -> None:
        paths.append(prefix)
        for name in getattr(command, "commands", {}):
            walk(command.commands[name], [*prefix, name])

    walk(group, [])
    return paths


def test_version(run) -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"credo {__version__}"


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "credo")
def test_help_has_plain_metavars_and_nothing_cut(run, path: list[str]) -> None:
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert not NOT_IN_HELP.search(out), NOT_IN_HELP.search(out).group(0)


def test_commands_are_grouped_by_workflow_in_order(run) -> None:
    code, out, _ = run("--help")
    assert code == 0
    titles = re.findall(r"╭─ (\w+) ─", out)
    assert titles == ["Options", *PANELS]
    listed = re.findall(r"^│ ([a-z]+) {2,}", out, flags=re.MULTILINE)
    assert listed == [name for names in PANELS.values() for name in names]


def test_shell_completion_is_offered(run) -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "--install-completion" in out and "--show-completion" in out


def test_usage_shows_arguments_in_capitals(run) -> None:
    code, out, _ = run("score", "--help")
    assert "score [OPTIONS] MODEL DATA" in out
    code, out, _ = run("train", "--help")
    assert code == 0 and "train [OPTIONS] [DATA]" in out
    assert "--as-of" in out and "YYYY-MM-DD" in out


def test_json_schemas_are_documented_as_they_are() -> None:
    page = DOCS.read_text(encoding="utf-8")
    for title, model in SCHEMAS.items():
        assert f"## `{title}`" in page
        assert json.dumps(model.model_json_schema(), indent=2) in page, (
            f"docs/cli-json.md is out of date for {title}: regenerate its schema")
