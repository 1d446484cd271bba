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


def test_off_a_terminal_one_line_per_stage(monkeypatch) -> None:
    monkeypatch.setattr(quiet, "on", False)
    console, sink = _console(terminal=False)
    _work(ConsoleProgress(console))
    lines = sink.getvalue().splitlines()
    assert lines[0] == "> simulating people ..." and lines[2] == "> fitting ..."
    assert lines[1].startswith("  simulating people: ") and lines[1].endswith(" s")
    assert len(lines) == 4 and "\x1b" not in sink.getvalue()


def test_quiet_prints_nothing(monkeypatch) -> None:
    monkeypatch.setattr(quiet, "on", True)
    for terminal in (False, True):
        console, sink = _console(terminal)
        _work(ConsoleProgress(console))
        assert sink.getvalue() == ""


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
    console, sink = _console(terminal=False)
    with pytest.raises(RuntimeError), ConsoleProgress(console) as progress:
        progress.stage("features")
        raise RuntimeError("stopped")
    assert sink.getvalue().splitlines() == ["> features ..."]


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
