"""Data commands: ``credo ingest`` and ``credo lake``. A thin shell over credo.data."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from credo.cli.output import ConsoleProgress, print_json
from credo.cli.root import app
from credo.cli.schemas import ByPersonCopyOut, LakeOut, LakeRow
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
        f"accepted {report.accepted:,}, duplicate {report.duplicate:,}, "
        f"superseded {report.superseded:,}, quarantined {report.quarantined:,} "
        f"(of {report.rows:,} records in {len(report.files):,} file(s))"
    )
    for reason, n in report.reasons.most_common(10):
        out.print(f"  quarantined {n:,}: {reason}", markup=False, highlight=False)
    if report.quarantined:
        out.print(f"  list them: credo quarantine --source {report.source} --kind {report.kind}",
                  markup=False, highlight=False)
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
    """Validate records and append the valid ones to the event lake (idempotent).
    Amounts must be in the lake's reporting currency (CREDO_CURRENCY)."""
    currency = Settings.from_env().currency
    with ConsoleProgress(console) as progress:
        progress.stage(f"ingesting {kind} records", unit="bytes")
        report = ingest_path(
            path, source=source, kind=kind, lake=_lake(lake), batch_rows=batch_rows,
            commit_rows=commit_rows, progress=progress.count, currency=currency,
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
    by_person: bool = typer.Option(
        False, "--by-person",
        help="Copy the records in person order, for reading one person at a time (a "
             "person's what-if and path); again after each month's records arrive."),
    detail: bool = typer.Option(False, "--detail", help="A row per kind, source and month (default: per kind and source)."),
    totals: bool = typer.Option(False, "--totals", hidden=True, help="The summary (the default now)."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON (schema in docs/cli-json.md)."),
) -> None:
    """Show what the lake holds (records per kind and source; --detail per month); compact it."""
    lk = _lake(lake)
    if compact:
        removed = lk.compact()
        console.print(f"compacted: {removed:,} small files merged")
    if by_person:
        _copy_by_person(lk)
    rows = lake_rows(lk.summary().to_pylist(), detail)
    document = LakeOut(root=str(lk.root), version=lk.state().version,
                       records=sum(r.records for r in rows), files=sum(r.files for r in rows),
                       rows=rows, by_person=_copy_status(lk))
    if as_json:
        print_json(document)
        return
    table = Table(title=f"lake {document.root} (version {document.version})")
    for col in ("kind", "source_id", "month" if detail else "months", "records", "files"):
        table.add_column(col, justify="right" if col in ("records", "files") else "left")
    for r in rows:
        months = r.month if detail else f"{r.first_month} to {r.last_month}"
        table.add_row(r.kind, r.source_id, months, f"{r.records:,}", f"{r.files:,}")
    table.add_section()
    table.add_row("all", "", "", f"{document.records:,}", f"{document.files:,}")
    Console(soft_wrap=True).print(table)
    if not detail and rows:
        Console(soft_wrap=True).print("per month: credo lake --detail", highlight=False)
    if document.by_person is not None:
        Console(soft_wrap=True).print(_copy_words(document.by_person), highlight=False)


def _copy_status(lake: Lake) -> ByPersonCopyOut | None:
    from credo.data.by_person import status

    found = status(lake)
    return None if found is None else ByPersonCopyOut(**asdict(found))


def _copy_words(copy: ByPersonCopyOut) -> str:
    words = f"copy in person order: of lake version {copy.lake_version}"
    if copy.files_since:
        words += f", {copy.files_since:,} file(s) added since are read beside it"
    if copy.not_held:
        words += (f"; {', '.join(copy.not_held)} no longer held (files compacted): "
                  "credo lake --by-person")
    elif copy.write_again:
        words += "; after the month's records arrive: credo lake --by-person"
    return words


def _copy_by_person(lake: Lake) -> None:
    from credo.data.by_person_writer import write_copy

    with ConsoleProgress(console) as progress:
        report = write_copy(lake, progress=progress)
    records = sum(report.records.values())
    if report.written:
        console.print(f"copied in person order: {records:,} records of "
                      f"{len(report.records)} kinds in {report.seconds:.1f} s "
                      f"(lake version {report.lake_version})", highlight=False)
    else:
        console.print(f"the copy in person order is of the lake's version "
                      f"({report.lake_version}): kept", highlight=False)


def lake_rows(summary: list[dict], detail: bool) -> list[LakeRow]:
    """The lake's partitions per kind, source and month, or summed per kind and source."""
    grouped: dict[tuple[str, ...], list[dict]] = {}
    for r in summary:
        key = (r["kind"], r["source_id"], *((r["month"],) if detail else ()))
        grouped.setdefault(key, []).append(r)
    return [
        LakeRow(kind=key[0], source_id=key[1], month=key[2] if detail else None,
                first_month=min(p["month"] for p in parts),
                last_month=max(p["month"] for p in parts),
                records=sum(p["records"] for p in parts), files=sum(p["files"] for p in parts))
        for key, parts in sorted(grouped.items())
    ]


@app.command("quarantine")
def quarantine_cmd(
    lake: Path | None = typer.Option(None, "--lake", help="Lake folder (default CREDO_LAKE)."),
    source: str | None = typer.Option(None, "--source", help="Only this source's records."),
    kind: str | None = typer.Option(None, "--kind", help=f"Only this kind: {', '.join(KINDS)}."),
    limit: int = typer.Option(50, min=1, help="Most records to list, latest first."),
) -> None:
    """List records refused at ingest, each with every reason."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    t = _lake(lake).quarantine()
    if source is not None:
        t = t.filter(t.source_id == source)
    if kind is not None:
        t = t.filter(t.kind == kind)
    total = int(t.count().execute())
    rows = t.order_by(t.quarantined_at.desc()).limit(limit).to_pyarrow().to_pylist()
    if not rows:
        Console().print("no quarantined records" + (" matching" if source or kind else ""))
        return
    table = Table("source", "kind", "file", "row", "reasons")
    for r in rows:
        table.add_row(r["source_id"], r["kind"], r["file"], f"{r['row']:,}", r["reasons"])
    out = Console(soft_wrap=True)
    out.print(table)
    out.print(f"{len(rows):,} of {total:,} quarantined records shown (--limit for more)",
              highlight=False)
