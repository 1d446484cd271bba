"""The partner-read benchmark's summary over rounds: medians, ranges and the goal's count
(its figures are read from the summary, so it must say what the rounds said)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.bench_modules import BENCH, bench_module

latency = bench_module("service_latency")


def run(rps: float, p99: float) -> dict:
    return {"rps": rps, "p99": p99}


@pytest.mark.parametrize(("rps", "p99", "met"), [
    (1000.0, 49.99, True),   # both bounds: at least 1,000 a second, p99 under 50 ms
    (999.9, 10.0, False),
    (1500.0, 50.0, False),
    (0.0, 0.0, False),
])
def test_the_goal_needs_both_the_rate_and_the_p99(rps: float, p99: float, met: bool) -> None:
    assert latency.meets_goal(run(rps, p99)) is met


def test_the_summary_gives_each_rows_median_range_and_rounds_meeting_the_goal(
        capsys: pytest.CaptureFixture[str]) -> None:
    rows = {
        ("postgresql", "/v1/partner/score", "16"):
            [run(950, 30.0), run(1100, 25.0), run(1200, 60.0), run(1010, 40.0)],
        ("sqlite", "/v1/partner/score", "1"): [run(400, 5.0), run(500, 6.0)],
    }
    latency.print_rounds(rows)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "over 4 rounds:"
    pg, sqlite = out[1], out[2]
    assert "req/s median 1,055 (950-1,200)" in pg
    assert "p99 median 35.0 ms (25.0-60.0)" in pg
    assert pg.endswith("goal met in 2 of 4")  # 1,100 / 25 and 1,010 / 40; 1,200 has p99 60
    assert "req/s median 450 (400-500)" in sqlite
    assert "goal" not in sqlite  # the goal is said at 16 clients only


@pytest.mark.parametrize("rounds", ["0", "-3", "two", ""])
def test_rounds_below_one_or_not_a_number_are_refused_before_any_work(rounds: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "service_latency.py"), "--rounds",
                           rounds], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--rounds" in done.stderr
    assert done.stdout == ""  # refused before seeding a store or starting a server
