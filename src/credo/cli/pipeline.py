"""Lake commands: features, train --as-of (via credo train), run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credo.cli.identity import actor
from credo.cli.output import ENGINE_HELP, ConsoleProgress, print_training, training_summary
from credo.cli.root import app
from credo.config import Settings, check_spark_master
from credo.errors import InputError
from credo.features.catalogue import FEATURE_NAMES
from credo.features.engines import open_engine
from credo.features.table import STATUS_COLUMN
from credo.layout import features_path
from credo.outputs import make_output_path
from credo.pipeline.run import monthly_run
from credo.pipeline.tables import (
    Exclusions,
    compute_features,
    parse_as_of,
    population_summary,
    write_atomic,
)
from credo.policy.bands import BAND_NAMES
from credo.scorecard import Scorecard


def _disputed(settings: Settings) -> Exclusions:
    """Records under dispute (or upheld) in the operational store, left out of scoring."""
    from credo.store.exclusions import excluded_records_for

    return Exclusions(frozenset(excluded_records_for(settings.database)))


@app.command()
def features(
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date, YYYY-MM-DD.")],
    engine: Annotated[str | None, typer.Option(help=ENGINE_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help="Parquet file (default under CREDO_HOME/features).")] = None,
    spark_master: Annotated[str | None, typer.Option("--spark-master", help="With --engine spark: the cluster, spark://HOST:PORT (default: CREDO_SPARK_MASTER, else local[2]).")] = None,
) -> None:
    """Compute every catalogue feature for everyone known before the as-of date."""
    settings = Settings.from_env()
    day = parse_as_of(as_of)
    engine = engine or settings.engine
    if spark_master is not None:
        check_spark_master(spark_master)
    if out is not None:
        make_output_path(out, (".parquet",), "features file")
    with ConsoleProgress() as progress:
        progress.stage(f"opening {engine}")
        runner = open_engine(engine, spark_master)
        try:
            progress.stage(f"features as of {day}")
            table = compute_features(settings, runner, day)
        finally:
            runner.close()
        path = write_atomic(table, out or features_path(settings, day))
    in_default = population_summary(table)["in_default"]
    typer.echo(f"{table.num_rows:,} people x {len(FEATURE_NAMES)} features written to {path} "
               f"({in_default:,} already in default, marked in {STATUS_COLUMN})")


def train_from_lake(
    as_of: str, validate_as_of: str | None, out: Path | None, engine: str | None, model: Scorecard,
    holdout: float, seed: int, as_json: bool = False,
) -> None:
    from credo.governance.training import train_and_register

    first = parse_as_of(as_of)
    second = parse_as_of(validate_as_of) if validate_as_of else None
    with ConsoleProgress() as progress:
        trained = train_and_register(Settings.from_env(), first, second, actor=actor(),
                                     model=model, out=out, engine=engine, holdout=holdout,
                                     seed=seed, stage=progress.stage)
    info = trained.info
    if trained.reused:
        typer.echo(f"model {info.model_id} (version {info.version}, {info.status}) was "
                   "trained on these records with these parameters: nothing to train")
        return
    # Every model trained on the lake goes to the registry as a candidate (the first
    # becomes champion); it serves only once promoted (credo model promote).
    registered = (
        f"registered as version {info.version} and made champion (first model)"
        if trained.made_champion else
        f"registered as candidate version {info.version}: compare it (credo report "
        f"--model {info.model_id}) and promote it (credo model promote {info.model_id})")
    print_training(training_summary(trained.document, trained.model, trained.path,
                                    registered), as_json)


@app.command()
def run(
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date, YYYY-MM-DD.")],
    model: Annotated[Path | None, typer.Option(help="Model JSON or registered model id (default: the champion in CREDO_HOME/models).")] = None,
    engine: Annotated[str | None, typer.Option(help=ENGINE_HELP)] = None,
    spark_master: Annotated[str | None, typer.Option("--spark-master", help="With --engine spark: the cluster, spark://HOST:PORT (default: CREDO_SPARK_MASTER, else local[2]).")] = None,
) -> None:
    """The monthly run: features and scores for everyone, written as a snapshot."""
    from credo.governance.model_reference import resolve_model

    settings = Settings.from_env()
    day = parse_as_of(as_of)
    engine = engine or settings.engine
    if spark_master is not None:
        check_spark_master(spark_master)
        if engine != "spark":
            raise InputError("--spark-master applies only with --engine spark")
    chosen = resolve_model(settings, model)
    with ConsoleProgress() as progress:
        progress.stage(f"opening {engine}")
        runner = open_engine(engine, spark_master)
        try:
            report = monthly_run(settings, runner, day, chosen.scorecard, chosen.document,
                                 exclusions=_disputed(settings), stage=progress.stage)
        finally:
            runner.close()
    if report.reused:
        typer.echo(f"snapshot {report.run_id} for {day} is already up to date: {report.path}")
        return
    # In band order, poor to excellent, as a reader scans a scale.
    order = [*BAND_NAMES, *sorted(set(report.bands) - set(BAND_NAMES))]
    bands = ", ".join(f"{name} {report.bands[name]:,}" for name in order
                      if name in report.bands)
    typer.echo(f"scored {report.people:,} people as of {day} (run {report.run_id}): {bands}")
    typer.echo(f"snapshot written to {report.path}")
