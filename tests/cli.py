"""Run the ``credo`` command in-process, as a user would type it."""

from __future__ import annotations

import sys

import pytest

from credo.cli import main


def invoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``credo ARGS``."""
    monkeypatch.setattr(sys, "argv", ["credo", *map(str, args)])
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err
