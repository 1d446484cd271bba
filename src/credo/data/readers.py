"""Stream CSV, JSON Lines and Parquet files as bounded batches of raw records.

Readers never interpret values beyond what the format forces: CSV cells stay text,
JSON scalars become text, Parquet keeps its types. Validation decides the rest. Rows a
reader cannot even split into fields (a truncated CSV line, a line that is not JSON)
come out as ``unreadable`` with their text, so they can be quarantined, not lost.
File-level problems (unreadable file, wrong columns) raise ``InputError``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from credo.data import schemas as sc
from credo.data.validate import show
from credo.errors import InputError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
           ".parquet": "parquet", ".pq": "parquet"}
MAX_RAW_CHARS = 1_000_000  # an unreadable line is kept up to this size in quarantine


@dataclass
class RawBatch:
    table: pa.Table  # columns named as in the file, one row per readable record
    first_row: int  # 1-based record number of the first row of ``table``
    pre_reasons: dict[int, list[str]] = field(default_factory=dict)
    raw_text: list[str] | None = None  # the records as received, when the format has text
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)  # (row, text, why)
    bytes_done: int = 0


def list_inputs(path: Path) -> tuple[list[Path], list[Path]]:
    """(readable files, skipped files) under ``path`` (a file or a folder)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder; check the path")
    if path.is_file():
        if path.suffix.lower() not in FORMATS:
            raise InputError(
                f"{path}: unknown file type {path.suffix!r}; use .csv, .jsonl or .parquet"
            )
        return [path], []
    files, skipped = [], []
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            (files if p.suffix.lower() in FORMATS else skipped).append(p)
    return files, skipped


def check_columns(path: Path, kind: str, columns: list[str]) -> None:
    """File-level column check: every unknown or missing required column is an error."""
    names = sc.field_names(kind)
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise InputError(f"{path}: duplicate columns {', '.join(map(show, dupes))}")
    unknown = [c for c in columns if c not in names]
    missing = [f.name for f in sc.fields(kind)
               if f.required and f.name not in columns and f.name != "source_id"]
    if not unknown and not missing:
        return
    guess = sc.guess_kind(columns)
    hint = (f"; it looks like kind {guess!r}: use --kind {guess}"
            if guess and guess != kind else "")
    parts = []
    if unknown:
        parts.append(f"unknown columns {', '.join(show(c) for c in unknown[:10])}")
    if missing:
        parts.append(f"missing required columns {', '.join(missing)}")
    raise InputError(f"{path}: not a {kind!r} file: {'; '.join(parts)}{hint}")


def read_batches(path: Path, kind: str, batch_rows: int = 100_000) -> Iterator[RawBatch]:
    fmt = FORMATS[path.suffix.lower()]
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty (not even a header); nothing to ingest")
    reader: Callable[[Path, str, int], Iterator[RawBatch]] = {
        "csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet,
    }[fmt]
    return reader(path, kind, batch_rows)


def _read_csv(path: Path, kind: str, batch_rows: int) -> Iterator[RawBatch]:
    with path.open("rb") as fh:
        head = fh.readline()
    try:
        header = next(csv.reader([head.decode("utf-8-sig").rstrip("\r\n")]))
    except (UnicodeDecodeError, StopIteration, csv.Error) as error:
        raise InputError(f"{path}: cannot read the CSV header ({error}); is it UTF-8 CSV?") \
            from None
    check_columns(path, kind, header)
    bad_rows: list[tuple[int, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        text = (row.text or "")[:MAX_RAW_CHARS]
        why = (f"row has {row.actual_columns} fields, header has {row.expected_columns} "
               "(truncated or malformed line)")
        bad_rows.append((row.number or 0, text, why))  # 0: line number unknown
        return "skip"

    # ~16 rows per KiB is typical; the block size bounds memory whatever the file size.
    block = max(1 << 20, min(64 << 20, batch_rows * 256))
    fh = path.open("rb")
    try:
        stream = pacsv.open_csv(
            fh,
            read_options=pacsv.ReadOptions(block_size=block, use_threads=True),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True,
            ),
        )
        row = 1
        while True:
            try:
                batch = stream.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as error:
                raise InputError(
                    f"{path}: unreadable after record {row - 1}: {error}; fix the file "
                    "and ingest again (records already committed are not duplicated)"
                ) from None
            table = pa.Table.from_batches([batch])
            unreadable, bad_rows[:] = list(bad_rows), []
            yield RawBatch(table=table, first_row=row, unreadable=unreadable,
                           bytes_done=fh.tell())
            row += table.num_rows + len(unreadable)
        if bad_rows:
            yield RawBatch(table=pa.table({c: pa.array([], pa.string()) for c in header}),
                           first_row=row, unreadable=list(bad_rows), bytes_done=fh.tell())
    except pa.ArrowInvalid as error:
        raise InputError(f"{path}: not a readable CSV file: {error}") from None
    finally:
        fh.close()


def _read_jsonl(path: Path, kind: str, batch_rows: int) -> Iterator[RawBatch]:
    names = sc.field_names(kind)
    allowed = set(names)
    with path.open("rb") as fh:
        row = 0
        done = 0
        while True:
            lines = []
            for line in fh:
                lines.append(line)
                if len(lines) >= batch_rows:
                    break
            if not lines:
                return
            cols: dict[str, list[str | None]] = {n: [] for n in names}
            pre: dict[int, list[str]] = {}
            raw_text: list[str] = []
            unreadable: list[tuple[int, str, str]] = []
            first = row + 1
            for line in lines:
                done += len(line)
                row += 1
                text = line.decode("utf-8", errors="replace").rstrip("\r\n")
                if not text.strip():
                    row -= 1  # blank lines are not records
                    continue
                try:
                    obj = json.loads(text)
                except (json.JSONDecodeError, RecursionError) as error:
                    unreadable.append((row, text[:MAX_RAW_CHARS], f"not valid JSON: {error}"))
                    continue
                if not isinstance(obj, dict):
                    unreadable.append((row, text[:MAX_RAW_CHARS], "not a JSON object"))
                    continue
                i = len(raw_text)
                raw_text.append(text)
                problems = []
                if "\ufffd" in text and b"\xef\xbf\xbd" not in line:
                    problems.append("record: not valid UTF-8")
                for key in obj:
                    if key not in allowed:
                        problems.append(f"{show(key)}: unknown field for kind {kind!r}")
                for n in names:
                    value = obj.get(n)
                    if isinstance(value, dict | list):
                        problems.append(f"{n}: must be a scalar, got a JSON "
                                        f"{'object' if isinstance(value, dict) else 'array'}")
                        value = None
                    elif isinstance(value, bool):
                        value = "true" if value else "false"
                    elif value is not None and not isinstance(value, str):
                        value = json.dumps(value)
                    cols[n].append(value)
                if problems:
                    pre[i] = problems
            table = pa.table({n: pa.array(v, pa.string()) for n, v in cols.items()})
            yield RawBatch(table=table, first_row=first, pre_reasons=pre, raw_text=raw_text,
                           unreadable=unreadable, bytes_done=done)


def _read_parquet(path: Path, kind: str, batch_rows: int) -> Iterator[RawBatch]:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{path}: not a readable Parquet file ({error})") from None
    columns = pf.schema_arrow.names
    check_columns(path, kind, columns)
    total_rows = max(pf.metadata.num_rows, 1)
    size = path.stat().st_size
    row = 1
    try:
        for batch in pf.iter_batches(batch_size=batch_rows):
            table = pa.Table.from_batches([batch])
            yield RawBatch(table=table, first_row=row,
                           bytes_done=int(size * min(1.0, (row + table.num_rows) / total_rows)))
            row += table.num_rows
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{path}: Parquet data unreadable after record {row - 1}: {error}") \
            from None

