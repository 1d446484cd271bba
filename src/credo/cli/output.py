"""What the commands print: progress on the terminal, and the training summary.

Shared by the scorecard and lake commands, so neither imports the other for it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from credo.cli.schemas import Metrics, PopulationOut, SelectionOut, TrainingOut

if TYPE_CHECKING:
    from credo.scorecard.model import Scorecard

console = Console(stderr=True)
ENGINE_HELP = "duckdb or spark (default: CREDO_ENGINE, else duckdb)."


class _Quiet:
    """``credo --quiet``: no progress at all (set once by the root command)."""

    on = False


quiet = _Quiet()


class _Done(ProgressColumn):
    """"12,000/20,000 people" and the rate: thousands separators, the stage's unit."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        if task.total is None:
            done = f"{task.completed:,.0f} {unit}" if task.completed else ""
            return Text(done.strip(), style="progress.download")
        rate = f"  {task.speed:,.0f} {unit}/s" if task.speed and unit else ""
        return Text(f"{task.completed:,.0f}/{task.total:,.0f} {unit}".strip() + rate,
                    style="progress.download")


class ConsoleProgress:
    """A :class:`credo.progress.Reporter` for the command line.

    On a terminal each stage is a bar (done, rate, time left) or, when the stage cannot
    count, a spinner with the time so far; a finished stage leaves one line with its
    duration. Off a terminal (a pipe, a log file, a script) and under ``credo --quiet``
    it prints nothing, so what a script reads is the result or one line of error.
    """

    def __init__(self, out: Console | None = None) -> None:
        self.out = out or console
        self.bars = not quiet.on and self.out.is_terminal
        self._progress: Progress | None = None
        self._task: int | None = None
        self._name: str | None = None
        self._started = 0.0

    def __enter__(self) -> ConsoleProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close(finished=kind is None)

    def stage(self, name: str, total: int | None = None, unit: str = "") -> None:
        self._end_stage()
        self._name, self._started = name, time.perf_counter()
        if self.bars:
            if self._progress is None:
                self._progress = Progress(
                    SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    _Done(), TimeRemainingColumn(), TimeElapsedColumn(),
                    console=self.out, transient=True,
                )
                self._progress.start()
            self._task = self._progress.add_task(name, total=total, unit=unit)

    def count(self, done: int, total: int | None = None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done,
                                  **({"total": total} if total is not None else {}))

    def step(self, note: str = "") -> None:
        if self._progress is not None and self._task is not None:
            described = f"{self._name}: {note}" if note else self._name
            self._progress.update(self._task, advance=1, description=described)

    def close(self, finished: bool = True) -> None:
        self._end_stage(finished)
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _end_stage(self, finished: bool = True) -> None:
        if self._name is None:
            return
        if self._progress is not None and self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
        if self.bars and finished:
            seconds = time.perf_counter() - self._started
            self.out.print(f"  {self._name}: {seconds:,.1f} s", markup=False, highlight=False)
        self._name = None


def training_summary(document: dict, model: Scorecard, path: Path,
                     registry: str | None = None) -> TrainingOut:
    """The training summary, for the text below or ``--json``."""
    metadata = document["metadata"]
    return TrainingOut(
        model_id=document["model_id"], path=str(path),
        selected=[f.name for f in model.features_], candidates=len(model.selection_),
        protected_excluded=list(model.protected_),
        left_out=[SelectionOut(feature=e.feature, reason=e.reason)
                  for e in model.selection_ if not e.selected],
        population={name: PopulationOut(**{k: p[k] for k in PopulationOut.model_fields})
                    for name, p in metadata.get("population", {}).items()},
        metrics={name: Metrics(**{k: m[k] for k in Metrics.model_fields})
                 for name, m in metadata["metrics"].items()},
        registry=registry,
    )


def print_json(document: BaseModel | list[BaseModel]) -> None:
    """One JSON document on standard output, nothing else (progress goes to stderr)."""
    if isinstance(document, list):
        typer.echo(json.dumps([d.model_dump(mode="json") for d in document], indent=2))
    else:
        typer.echo(document.model_dump_json(indent=2))


def print_training(summary: TrainingOut, as_json: bool = False) -> None:
    if as_json:
        print_json(summary)
        return
    typer.echo(f"model {summary.model_id} written to {summary.path}")
    typer.echo(
        f"{len(summary.selected):,} features selected of {summary.candidates:,} candidates"
        + (f"; protected attributes kept out: {', '.join(summary.protected_excluded)} "
           "(a dictionary that lists one as a feature, or --allow-protected COLUMN, "
           "would let it in)"
           if summary.protected_excluded else "")
    )
    if summary.left_out:
        typer.echo(f"left out ({len(summary.left_out):,}):")
        for entry in summary.left_out:
            typer.echo(f"  {entry.feature} ({entry.reason})")
    for name, population in summary.population.items():
        reasons = ", ".join(f"{k.replace('_', ' ')} {v:,}"
                            for k, v in population.in_default_by_reason.items())
        typer.echo(
            f"{name:>14}: {population.at_risk:,} people at risk of {population.people:,}"
            + (f"; already in default and left out: {reasons}" if reasons else "")
        )
    for sample, m in summary.metrics.items():
        typer.echo(
            f"{sample:>14}: AUC {m.auc:.4f}  Gini {m.gini:.4f}  KS {m.ks:.4f}  "
            f"({m.rows:,} rows)"
        )
    if summary.registry:
        typer.echo(summary.registry)
