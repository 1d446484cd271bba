"""Lake commands: features, train --as-of (via credo train), run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credo.cli import app
from credo.cli.output import ENGINE_HELP, Stages, print_training
from credo.config import Settings
from credo.errors import InputError
from credo.features.catalogue import FEATURE_NAMES
from credo.features.engines import open_engine
from credo.features.table import STATUS_COLUMN
from credo.layout import champion_path, features_path
from credo.outputs import make_output_path
from credo.pipeline.run import monthly_run
from credo.pipeline.tables import (
    Exclusions,
    compute_features,
    parse_as_of,
    population_summary,
    write_atomic,
)
from credo.pipeline.training import train_on_lake
from credo.scorecard import Scorecard, artifact


def _disputed(settings: Settings) -> Exclusions:
    """Records under dispute (or upheld) in the operational store, left out of scoring."""
    from credo.store.exclusions import excluded_records_for

    return Exclusions(frozenset(excluded_records_for(settings.database)))


@app.command()
def features(
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date, YYYY-MM-DD.")],
    engine: Annotated[str | None, typer.Option(help=ENGINE_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help="Parquet file (default under CREDO_HOME/features).")] = None,
) -> None:
    """Compute every catalogue feature for everyone known before the as-of date."""
    settings = Settings.from_env()
    day = parse_as_of(as_of)
    if out is not None:
        make_output_path(out, (".parquet",), "features file")
    stages = Stages()
    stages(f"opening {engine}")
    runner = open_engine(engine)
    try:
        stages(f"features as of {day}")
        table = compute_features(settings, runner, day)
    finally:
        runner.close()
    path = write_atomic(table, out or features_path(settings, day))
    stages.close()
    in_default = population_summary(table)["in_default"]
    typer.echo(f"{table.num_rows:,} people x {len(FEATURE_NAMES)} features written to {path} "
               f"({in_default:,} already in default, marked in {STATUS_COLUMN})")


def train_from_lake(
    as_of: str, validate_as_of: str | None, out: Path | None, engine: str | None, model: Scorecard,
    holdout: float, seed: int,
) -> None:
    settings = Settings.from_env()
    first = parse_as_of(as_of)
    second = parse_as_of(validate_as_of) if validate_as_of else None
    stages = Stages()
    stages(f"opening {engine}")
    runner = open_engine(engine)
    try:
        result = train_on_lake(settings, runner, first, second, model, stage=stages,
                               holdout=holdout, seed=seed)
    finally:
        runner.close()
    stages.close()
    # Every model trained on the lake goes to the registry as a candidate (the first
    # becomes champion); it serves only once promoted (credo model promote).
    from credo.cli.governance import register_trained
    from credo.governance.registry import write_document
    from credo.layout import model_path

    document = artifact.to_dict(result.model, result.metadata)
    path = out or model_path(settings, document["model_id"])
    write_document(path, document)
    print_training(document, result.model)
    typer.echo(f"written to {path}")
    typer.echo(register_trained(settings, document))


@app.command()
def run(
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date, YYYY-MM-DD.")],
    model: Annotated[Path | None, typer.Option(help="Model JSON (default: the champion in CREDO_HOME/models).")] = None,
    engine: Annotated[str | None, typer.Option(help=ENGINE_HELP)] = None,
) -> None:
    """The monthly run: features and scores for everyone, written as a snapshot."""
    settings = Settings.from_env()
    day = parse_as_of(as_of)
    path = model or champion_path(settings)
    if not path.exists():
        raise InputError(
            f"no model at {path}: train one first (credo train --as-of ...) or pass --model"
        )
    scorecard, document = artifact.load(path)
    stages = Stages()
    stages(f"opening {engine}")
    runner = open_engine(engine)
    try:
        report = monthly_run(settings, runner, day, scorecard, document,
                             exclusions=_disputed(settings), stage=stages)
    finally:
        runner.close()
    stages.close()
    if report.reused:
        typer.echo(f"snapshot {report.run_id} for {day} is already up to date: {report.path}")
        return
    bands = ", ".join(f"{k} {v:,}" for k, v in sorted(report.bands.items()))
    typer.echo(f"scored {report.people:,} people as of {day} (run {report.run_id}): {bands}")
    typer.echo(f"snapshot written to {report.path}")
