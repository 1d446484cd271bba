"""DuckDB, opened in one place: the lake's reader and writer and the feature engine all
get their connections here, with the same settings.

Progress bars are off (library output stays quiet); everything else is DuckDB's
configuration, passed through (``memory_limit``, ``threads``, ``temp_directory``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


def open_duckdb(**config: Any) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with ``config``."""
    import duckdb

    con = duckdb.connect(config={k: v for k, v in config.items() if v is not None})
    con.execute("SET enable_progress_bar = false")
    return con


def open_ibis_duckdb(**config: Any) -> Any:
    """The same, as an Ibis backend (Ibis also counts time in UTC on it)."""
    import ibis

    return ibis.duckdb.from_connection(open_duckdb(**config))
