"""DuckDB, opened in one place: the lake's reader and writer and the feature engine all
get their connections here, with the same settings.

Progress bars are off (library output stays quiet) and time is counted in UTC, the
contract's; everything else is DuckDB's configuration, passed through (``memory_limit``,
``threads``, ``temp_directory``...).
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
    # The contract's instants are UTC, and so is the day of each (a record at 20:00 UTC
    # on 31 January is January's), whatever the machine's local time zone.
    con.execute("SET TimeZone = 'UTC'")
    return con


def open_ibis_duckdb(**config: Any) -> Any:
    """The same, as an Ibis backend."""
    import ibis

    return ibis.duckdb.from_connection(open_duckdb(**config))
