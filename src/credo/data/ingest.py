"""Ingestion: read, validate, quarantine, deduplicate and append, in bounded batches.

``ingest_path`` is the library call behind ``credo ingest`` and the future HTTP API.
Each file is committed as one unit (or in units of ``commit_rows`` for huge files), so a
killed ingest leaves the lake exactly as after its last commit, and re-running it is a
no-op for what was committed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from credo.data import schemas as sc
from credo.data.lake import Lake
from credo.data.lake_writer import CommitCounts, Writer
from credo.data.quarantine import QUARANTINE_SCHEMA
from credo.data.readers import RawBatch, list_inputs, read_batches
from credo.data.validate import ID_PATTERN, describe_text_problem, record_json, show, validate
from credo.errors import InputError
from credo.progress import Count

Progress = Count  # (bytes done, bytes total)


@dataclass
class FileReport:
    path: str
    accepted: int = 0
    duplicate: int = 0
    superseded: int = 0
    quarantined: int = 0
    error: str | None = None

    @property
    def rows(self) -> int:
        return self.accepted + self.duplicate + self.superseded + self.quarantined


@dataclass
class IngestReport:
    kind: str
    source: str
    files: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files of unknown type in a folder
    reasons: Counter[str] = field(default_factory=Counter)  # quarantine reasons, grouped

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def accepted(self) -> int:
        return self._sum("accepted")

    @property
    def duplicate(self) -> int:
        return self._sum("duplicate")

    @property
    def superseded(self) -> int:
        return self._sum("superseded")

    @property
    def quarantined(self) -> int:
        return self._sum("quarantined")

    @property
    def rows(self) -> int:
        return self._sum("rows")

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]


def check_target(source: str, kind: str) -> None:
    if kind not in sc.KINDS:
        raise InputError(f"unknown kind {kind!r}: choose one of {', '.join(sc.KINDS)}")
    if not re.fullmatch(ID_PATTERN, source):
        raise InputError(f"invalid source {show(source)}: {describe_text_problem(source)}")


_REASON_GROUP = re.compile(r"^(.*?)(?:,? \(?got .*)?$", re.S)


def _group(reason: str) -> str:
    m = _REASON_GROUP.match(reason)
    return (m.group(1) if m else reason)[:120]


def quarantine_table(
    source: str, kind: str, file: str | None, rows: list[int], records: list[str],
    reasons: list[list[str]],
) -> pa.Table:
    n = len(rows)
    now = datetime.now(UTC)
    return pa.table(
        {
            "source_id": [source] * n,
            "kind": [kind] * n,
            "file": [file] * n,
            "row": pa.array(rows, pa.int64()),
            "record": records,
            "reasons": [" | ".join(r) for r in reasons],
            "reason_count": pa.array([len(r) for r in reasons], pa.int64()),
            "quarantined_at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
            "_batch": [""] * n,
            "_hash": pa.nulls(n, pa.int64()),
        },
        schema=QUARANTINE_SCHEMA,
    )


def stage_batch(
    writer: Writer, kind: str, source: str, batch: RawBatch, *, file: str | None,
    report: IngestReport, dedup: bool = True, now: datetime | None = None,
    currency: str | None = None,
) -> int:
    """Validate one raw batch and stage it (valid rows) and its quarantine. Returns rows.
    ``currency``: the lake's reporting currency (records in another are quarantined)."""
    result = validate(kind, batch.table, source_id=source, now=now,
                      pre_reasons=batch.pre_reasons, currency=currency)
    writer.stage(kind, result.valid, dedup=dedup)
    rows = [batch.first_row + int(r) for r in result.rejected_rows]
    if batch.raw_text is not None:
        records = [batch.raw_text[int(r)] for r in result.rejected_rows]
    else:
        records = record_json(batch.table, result.rejected_rows)
    reasons = list(result.reasons)
    for row, text, why in batch.unreadable:
        rows.append(row)
        records.append(text)
        reasons.append([why])
    for rs in reasons:
        report.reasons.update(_group(r) for r in rs)
    if rows:
        writer.quarantine(quarantine_table(source, kind, file, rows, records, reasons))
    return batch.table.num_rows + len(batch.unreadable)


def _apply(fr: FileReport, counts: CommitCounts) -> None:
    fr.accepted += counts.accepted
    fr.duplicate += counts.duplicate
    fr.superseded += counts.superseded
    fr.quarantined += counts.quarantined


def ingest_path(
    path: Path | str,
    *,
    source: str,
    kind: str,
    lake: Lake,
    batch_rows: int = 100_000,
    commit_rows: int = 5_000_000,
    progress: Progress | None = None,
    now: datetime | None = None,
    lake_wait: float = 600.0,
    currency: str | None = None,
) -> IngestReport:
    """Ingest a file or a folder of CSV / JSON Lines / Parquet files of one kind.

    Never raises for bad records (they are quarantined with reasons) nor for a bad file
    in a folder (its ``FileReport.error`` says why); raises ``InputError`` only when the
    path itself is unusable. ``currency``: the lake's reporting currency (the settings'
    ``currency``); a record in another is quarantined (None: not checked).
    """
    check_target(source, kind)
    files, skipped = list_inputs(Path(path))
    report = IngestReport(kind=kind, source=source, skipped=[str(p) for p in skipped])
    total = sum(p.stat().st_size for p in files)
    done_before = 0
    with lake.writer(timeout=lake_wait) as writer:
        for p in files:
            fr = FileReport(path=str(p))
            report.files.append(fr)
            staged = 0
            try:
                for batch in read_batches(p, kind, batch_rows):
                    staged += stage_batch(writer, kind, source, batch, file=p.name,
                                          report=report, now=now, currency=currency)
                    if staged >= commit_rows:
                        _apply(fr, writer.commit())
                        staged = 0
                    if progress:
                        progress(done_before + batch.bytes_done, total)
                _apply(fr, writer.commit())
            except InputError as error:
                writer.rollback()
                fr.error = str(error)
            done_before += p.stat().st_size
            if progress:
                progress(done_before, total)
    return report


def ingest_table(
    table: pa.Table,
    *,
    source: str,
    kind: str,
    writer: Writer,
    report: IngestReport | None = None,
    dedup: bool = True,
    label: str | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Stage an in-memory table (text or typed columns) through the same validation.

    The caller commits with ``writer.commit()``; used by the API and the simulator.
    """
    check_target(source, kind)
    report = report or IngestReport(kind=kind, source=source)
    from credo.data.readers import check_columns

    check_columns(Path(label or "<table>"), kind, table.column_names)
    stage_batch(writer, kind, source, RawBatch(table=table, first_row=1), file=label,
                report=report, dedup=dedup, now=now)
    return report

