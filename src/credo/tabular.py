"""Reading and writing the tables a risk analyst hands credo: CSV or Parquet by extension."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credo.errors import InputError
from credo.outputs import check_output_path, write_atomically

READABLE = (".csv", ".parquet", ".pq")


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(f"file {str(path)!r} does not exist")
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder: give a CSV or Parquet file")
    suffix = path.suffix.lower()
    if suffix not in READABLE:
        raise InputError(
            f"{str(path)!r}: unsupported file type {suffix or '(none)'}; use .csv or .parquet"
        )
    if path.stat().st_size == 0:
        raise InputError(f"file {str(path)!r} is empty: it needs a header and at least one row")
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, low_memory=False, encoding="utf-8")
        else:
            frame = pq.read_table(path).to_pandas()
    except UnicodeDecodeError:
        raise InputError(f"{str(path)!r} is not UTF-8 text: save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"file {str(path)!r} has no columns: it needs a header row") from None
    except pd.errors.ParserError as error:
        raise InputError(
            f"{str(path)!r} is not well-formed CSV ({str(error).strip()}): "
            "check quoting and the number of fields per line"
        ) from None
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(
            f"{str(path)!r} is not a readable Parquet file ({error}): it may be truncated"
        ) from None
    if frame.shape[0] == 0:
        raise InputError(f"file {str(path)!r} has a header but no rows")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV or Parquet by extension, atomically (a partial file is never left)."""
    path = check_output_path(path, READABLE, "output")
    if path.suffix.lower() == ".csv":
        write_atomically(path, lambda target: frame.to_csv(target, index=False), "table")
    else:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        write_atomically(path, lambda target: pq.write_table(table, target), "table")
    return path
