"""Data commands: ``credo ingest`` and ``credo lake``. A thin shell over credo.data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from credo.cli import app
from credo.config import Settings
from credo.data.ingest import IngestReport, ingest_path
from credo.data.lake import Lake
from credo.data.schemas import KINDS
from credo.errors import InputError

console = Console(stderr=True, soft_wrap=True)


def _lake(lake: Path | None) -> Lake:
    return Lake(lake or Settings.from_env().lake)


def print_report(report: IngestReport, out: Console | None = None) -> None:
    out = out or Console(soft_wrap=True)
    out.print(
        f"{report.kind} from {report.source}: "
        f"accepted {report.accepted}, duplicate {report.duplicate}, "
        f"superseded {report.superseded}, quarantined {report.quarantined} "
        f"(of {report.rows} records in {len(report.files)} file(s))"
    )
    for reason, n in report.reasons.most_common(10):
        out.print(f"  quarantined {n}: {reason}", markup=False, highlight=False)
    for path in report.skipped:
        out.print(f"  skipped (not .csv/.jsonl/.parquet): {path}", markup=False)
    for f in report.failed:
        out.print(f"  [red]file error[/red] {f.error}", highlight=False)


@app.command("ingest")
def ingest(
    path: Path = typer.Argument(..., help="A CSV / JSON Lines / Parquet file, or a folder."),
    source: str = typer.Option(..., "--source", help="The reporting source's id."),
    kind: str = typer.Option(..., "--kind", help=f"Record kind: {', '.join(KINDS)}."),
    lake: Path | None = typer.Option(None, "--lake", help="Lake folder (default CREDO_LAKE)."),
    batch_rows: int = typer.Option(100_000, min=1, help="Records validated per batch."),
    commit_rows: int = typer.Option(5_000_000, min=1, help="Records per atomic commit."),
) -> None:
    """Validate records and append the valid ones to the event lake (idempotent)."""
    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=console, transient=True,
    ) as bar:
        task = bar.add_task(f"ingest {kind}", total=None)
        report = ingest_path(
            path, source=source, kind=kind, lake=_lake(lake), batch_rows=batch_rows,
            commit_rows=commit_rows,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    print_report(report)
    if report.failed:
        raise InputError(
            f"{len(report.failed)} of {len(report.files)} file(s) could not be read (see above); "
            "fix them and ingest again: records already in the lake are not duplicated"
        )


@app.command("lake")
def lake_cmd(
    lake: Path | None = typer.Option(None, "--lake", help="Lake folder (default CREDO_LAKE)."),
    compact: bool = typer.Option(False, "--compact", help="Merge small files per partition."),
    by_month: bool = typer.Option(True, "--by-month/--totals", help="Rows per month or totals."),
) -> None:
    """Show what the lake holds (records per kind, source and month); compact it."""
    lk = _lake(lake)
    if compact:
        removed = lk.compact()
        Console().print(f"compacted: {removed} small files merged")
    summary = lk.summary().to_pylist()
    table = Table(title=f"lake {lk.root} (version {lk.state().version})")
    for col in ("kind", "source_id", *(("month",) if by_month else ()), "records", "files"):
        table.add_column(col, justify="right" if col in ("records", "files") else "left")
    agg: dict[tuple, list[int]] = {}
    for r in summary:
        key = (r["kind"], r["source_id"], *((r["month"],) if by_month else ()))
        a = agg.setdefault(key, [0, 0])
        a[0] += r["records"]
        a[1] += r["files"]
    for key, (n, files) in sorted(agg.items()):
        table.add_row(*key, f"{n:,}", str(files))
    Console().print(table)
