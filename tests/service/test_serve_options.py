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
