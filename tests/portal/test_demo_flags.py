"""The demo's own flags: a mistake ends with the usage and exit code 2, nothing run."""

from __future__ import annotations

import pytest

from credo import demo


@pytest.mark.parametrize("argv", [["--people", "5"], ["--people", "many"], ["--months", "9"],
                                  ["--months", "0"], ["--port", "0"], ["--port", "70000"],
                                  ["--accounts"], ["--what"]])
def test_bad_demo_flags_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        demo.parse_args(argv)
    assert stopped.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_demo_defaults() -> None:
    args = demo.parse_args([])
    assert (args.people, args.months, args.port) == (20_000, 6, 8000)
    assert not args.no_serve


def test_a_taken_port_stops_the_demo_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            demo.main(["--port", str(port), "--people", "100"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: port {port} on 127.0.0.1 is already in use: use another")
    assert "--port " in err and len(err.splitlines()) == 1
