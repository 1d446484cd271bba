"""Progress: the library reports counts and steps without printing; the command line
draws bars on a terminal, one line per stage elsewhere, and nothing under --quiet."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.progress import Progress

from credo.cli.output import ConsoleProgress, _Done, quiet
from credo.data.lake import Lake
from credo.progress import Reporter, Silent
from credo.simulate.population import SimConfig, simulate


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    sink = io.StringIO()
    return Console(file=sink, force_terminal=terminal, width=100), sink


def _work(progress: Reporter) -> None:
    progress.stage("simulating people", total=2_000, unit="people")
    for done in range(0, 2_001, 500):
        progress.count(done, 2_000)
    progress.stage("fitting", total=3, unit="steps")
    for note in ("binning x", "selecting", "regression"):
        progress.step(note)
    progress.close()


def test_off_a_terminal_or_quiet_nothing_is_printed(monkeypatch) -> None:
    # A script reads the result, or one line of error, and nothing else.
    for is_quiet, terminal in ((False, False), (True, False), (True, True)):
        monkeypatch.setattr(quiet, "on", is_quiet)
        console, sink = _console(terminal)
        reporter = ConsoleProgress(console)
        _work(reporter)
        assert sink.getvalue() == "" and not reporter.bars


def test_on_a_terminal_a_bar_with_counts_and_rate(monkeypatch) -> None:
    monkeypatch.setattr(quiet, "on", False)
    console, sink = _console(terminal=True)
    reporter = ConsoleProgress(console)
    assert reporter.bars
    _work(reporter)
    # The stage's time stays once its bar is gone.
    assert "simulating people: " in sink.getvalue()
    bar = Progress(console=console)
    task = bar.add_task("x", total=20_000, unit="people")
    bar.update(task, completed=12_000)
    assert _Done().render(bar.tasks[task]).plain.startswith("12,000/20,000 people")


def test_an_interrupted_stage_prints_no_time(monkeypatch) -> None:
    monkeypatch.setattr(quiet, "on", False)
    console, sink = _console(terminal=True)
    with pytest.raises(RuntimeError), ConsoleProgress(console) as progress:
        progress.stage("features")
        raise RuntimeError("stopped")
    assert "features:" not in sink.getvalue()


def test_silent_is_a_reporter() -> None:
    reporter: Reporter = Silent()
    _work(reporter)


def test_simulate_counts_people_up_to_the_total(tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    simulate(SimConfig(people=300, months=3, seed=3, chunk=100, bad_share=0.0),
             Lake(tmp_path / "lake"), tmp_path / "truth",
             progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 300 and {t for _, t in seen} == {300}
    # It moves within a chunk, not only at the chunk's end.
    assert len([d for d in done if d % 100]) > 0
