"""``credo serve`` refuses options it cannot honour before it opens anything."""

from __future__ import annotations

import pytest

from tests.cli import invoke


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "less than or equal to 65535"),  # would wrap to port 4464
        (["--port", "0"], "greater than or equal to 1"),
        (["--port", "http"], "--port"),
        (["--workers", "0"], "greater than or equal to 1"),
        (["--log-level", "loud"], "--log-level 'loud': choose one of"),
    ],
)
def test_impossible_serve_options_are_refused(monkeypatch, capsys, tmp_path, args, message):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    code, _, err = invoke(monkeypatch, capsys, "serve", *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no database was created or migrated


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--poll", "0"], "0.05"),
        (["--poll", "soon"], "--poll"),
        (["--nice", "20"], "less than or equal to 19"),
        (["--nice", "-5"], "greater than or equal to 0"),  # never raise a batch's priority
    ],
)
def test_impossible_worker_options_are_refused(monkeypatch, capsys, tmp_path, args, message):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    code, _, err = invoke(monkeypatch, capsys, "worker", *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_worker_whose_parent_is_gone_stops(tmp_path) -> None:
    """``credo serve`` names itself as the worker's parent: when it is gone (the worker's
    parent is then another process), the worker stops instead of running on alone."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CREDO_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "credo", "worker", "--poll", "0.1",
                           "--parent", "1" if os.getpid() != 1 else "2"],  # not its parent
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
