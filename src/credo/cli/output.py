"""What the commands print: the progress bar, timed stages and the training summary.

Shared by the scorecard and lake commands, so neither imports the other for it.
"""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from credo.scorecard.model import Scorecard

console = Console(stderr=True)
ENGINE_HELP = "duckdb or spark (default: CREDO_ENGINE, else duckdb)."


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


class Stages:
    """Prints each stage with the time the previous one took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.current: str | None = None

    def __call__(self, name: str) -> None:
        self.close()
        self.current = name
        self.started = time.perf_counter()
        console.print(f"[bold]>[/bold] {name} ...")

    def close(self) -> None:
        if self.current is not None:
            console.print(f"  {self.current}: {time.perf_counter() - self.started:.1f} s")
            self.current = None


def print_training(document: dict, model: Scorecard) -> None:
    typer.echo(f"model {document['model_id']} written")
    typer.echo(
        f"{len(model.features_)} features selected of {len(model.selection_)} candidates"
        + (f"; protected attributes kept out: {', '.join(model.protected_)} "
           "(a dictionary that lists one as a feature, or --allow-protected COLUMN, "
           "would let it in)"
           if model.protected_ else "")
    )
    left_out = [e for e in model.selection_ if not e.selected]
    if left_out:
        typer.echo(f"left out ({len(left_out)}):")
        for entry in left_out:
            typer.echo(f"  {entry.feature} ({entry.reason})")
    for name, population in document["metadata"].get("population", {}).items():
        reasons = ", ".join(f"{k.replace('_', ' ')} {v:,}"
                            for k, v in population["in_default_by_reason"].items())
        typer.echo(
            f"{name:>14}: {population['at_risk']:,} people at risk of {population['people']:,}"
            + (f"; already in default and left out: {reasons}" if reasons else "")
        )
    for sample, m in document["metadata"]["metrics"].items():
        typer.echo(
            f"{sample:>14}: AUC {m['auc']:.4f}  Gini {m['gini']:.4f}  KS {m['ks']:.4f}  "
            f"({m['rows']:,} rows)"
        )
