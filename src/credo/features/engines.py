"""Where the feature definitions run: DuckDB in-process (default) or Spark.

An engine hands the lake reader Ibis tables over Parquet files, executes expressions
to Arrow, and runs plain SQL over Arrow tables it is handed (the scorecard's SQL form,
to score in the engine itself). Both run the very same expressions from
:mod:`credo.features.definitions`; only the reading differs (Spark reads a list of
files through its own reader, and must count time in UTC).

The default engine is the settings' (``CREDO_ENGINE``: duckdb unless set to spark);
a command's ``--engine`` chooses another.
"""

from __future__ import annotations

import os
import shutil
from typing import Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from credo.config import ENGINES, Settings, check_spark_master, spark_master_from_env
from credo.data.duckdb_connection import open_ibis_duckdb
from credo.errors import ConfigError, CredoError


class EngineError(CredoError):
    """The compute engine cannot start or run."""


class Engine(Protocol):
    """What the pipeline asks of an engine; ``name`` is recorded in a run's manifest."""

    name: str

    def read_parquet(self, paths: list[str], hive_partitioning: bool = False) -> ir.Table:
        """An Ibis table over these Parquet files."""
        ...

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        """Execute an Ibis expression."""
        ...

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable by ``sql`` under ``name``."""
        ...

    def sql(self, query: str) -> pa.Table:
        """Run a query in standard SQL (identifiers in double quotes)."""
        ...

    def close(self) -> None: ...


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, memory_limit: str = "8GB", threads: int | None = None) -> None:
        self.con = open_ibis_duckdb(memory_limit=memory_limit,
                                    threads=int(threads) if threads else None)

    def read_parquet(self, paths: list[str], hive_partitioning: bool = False) -> ir.Table:
        return self.con.read_parquet(paths, hive_partitioning=hive_partitioning)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def sql(self, query: str) -> pa.Table:
        return self.con.con.sql(query).to_arrow_table()

    def register(self, name: str, table: pa.Table) -> None:
        self.con.con.register(name, table)

    def close(self) -> None:
        self.con.disconnect()


class SparkEngine:
    """Spark in local mode, or the cluster ``master`` names (by default
    ``CREDO_SPARK_MASTER``). Everything else about the cluster (the driver's address as
    the workers see it, executor memory) comes from Spark's own configuration:
    ``spark-defaults.conf`` in ``SPARK_CONF_DIR``."""

    name = "spark"

    def __init__(self, master: str | None = None, driver_memory: str = "4g") -> None:
        master = check_spark_master(master) if master else spark_master_from_env()
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(
                "the Spark engine needs pyspark: pip install 'credo[spark]' "
                "(and Java 17 or newer)"
            ) from None
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise EngineError(
                "Spark cannot start: no Java runtime found; install Java 17 or newer "
                "(e.g. apt-get install default-jre-headless) or set JAVA_HOME"
            )
        try:
            self.spark = (
                SparkSession.builder.master(master)
                .appName("credo")
                # Time is counted in UTC everywhere, or dates shift with the machine.
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.driver.memory", driver_memory)
                .getOrCreate()
            )
        except Exception as error:  # py4j and JVM failures have no common base class
            raise EngineError(
                f"Spark cannot start ({type(error).__name__}: {str(error)[:300]}): check "
                f"the Java installation and that the master {master} is up, or use "
                "--engine duckdb"
            ) from None
        self.spark.sparkContext.setLogLevel("ERROR")
        self.con = ibis.pyspark.connect(self.spark)
        self._views = 0

    def read_parquet(self, paths: list[str], hive_partitioning: bool = False) -> ir.Table:
        self._views += 1
        name = f"credo_lake_{self._views}"
        self.spark.read.parquet(*paths).createOrReplaceTempView(name)
        return self.con.table(name)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def register(self, name: str, table: pa.Table) -> None:
        # From Arrow, so that missing values stay NULL (pandas would make them NaN).
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def sql(self, query: str) -> pa.Table:
        # Standard SQL: identifiers quoted with double quotes, errors instead of NULLs.
        self.spark.conf.set("spark.sql.ansi.enabled", "true")
        self.spark.conf.set("spark.sql.ansi.doubleQuotedIdentifiers", "true")
        return pa.Table.from_pandas(self.spark.sql(query).toPandas())

    def close(self) -> None:
        self.spark.stop()


def open_engine(name: str | None = None, spark_master: str | None = None) -> Engine:
    """The engine called ``name``, or the settings' default (``CREDO_ENGINE``);
    ``spark_master`` (Spark only) overrides CREDO_SPARK_MASTER."""
    name = name or Settings.from_env().engine
    if spark_master is not None and name != "spark":
        raise ConfigError("--spark-master applies only with --engine spark")
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine(master=spark_master)
    raise ConfigError(f"unknown engine {name!r}: choose {' or '.join(ENGINES)}")
