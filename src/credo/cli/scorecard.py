"""Scorecard commands: example, train, score, explain, report.

Stable forms (scripts are written against them):
  credo train DATA --target COLUMN --out MODEL.json [--id COLUMN] [binning options]
  credo score MODEL.json DATA --out SCORES.csv|.parquet
  credo explain MODEL.json DATA --id VALUE
  credo report MODEL.json DATA
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from credo.cli.output import (
    ENGINE_HELP,
    ConsoleProgress,
    console,
    print_json,
    print_training,
    training_summary,
)
from credo.cli.root import app
from credo.cli.schemas import ExplanationOut, ReasonOut, ReportOut
from credo.config import Settings
from credo.dictionary import DataDictionary, FeatureInfo
from credo.errors import InputError
from credo.outputs import check_output_path, make_output_path
from credo.pipeline.split import DEFAULT_HOLDOUT
from credo.scorecard import artifact
from credo.scorecard.binning import TRENDS, BinningOptions
from credo.scorecard.explain import explain_one, explanation_text
from credo.scorecard.model import Scorecard
from credo.scorecard.report import report_summary, report_text
from credo.scorecard.training import binary_target, score_frame, train_from_frame
from credo.tabular import READABLE, read_table, write_table

# The fit options' defaults, from their one definition: the binning options and the
# estimator's signature (constructing either does no work).
_BINNING = BinningOptions()
_MODEL = Scorecard()


def _parse_specials(items: list[str]) -> dict[str, list[float]]:
    specials: dict[str, list[float]] = {}
    for item in items:
        column, sep, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not column or number is None or not np.isfinite(number):
            raise InputError(f"--special {item!r} must look like COLUMN=NUMBER, e.g. months_since=-1")
        specials.setdefault(column, []).append(number)
    return specials


def _with_specials(dictionary: DataDictionary, specials: dict[str, list[float]]) -> DataDictionary:
    features = dict(dictionary.features)
    for column, values in specials.items():
        info = dictionary.info(column)
        features[column] = FeatureInfo(
            dimension=info.dimension,
            description=info.description,
            trend=info.trend,
            special_values=tuple(sorted({*info.special_values, *values})),
        )
    return DataDictionary(features=features, protected=dictionary.protected)


@app.command()
def example(
    name: Annotated[str, typer.Argument(help="Which example: german-credit.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")] = Path(),
) -> None:
    """Write a built-in example dataset (CSV with an id column) and its data dictionary."""
    from credo import datasets

    if name != "german-credit":
        raise InputError(f"unknown example {name!r}: the built-in example is 'german-credit'")
    out.mkdir(parents=True, exist_ok=True)
    frame = read_table(datasets.german_credit_path())
    frame.insert(0, "applicant_id", [f"A{k:04d}" for k in range(1, len(frame) + 1)])
    data_path = write_table(frame, out / "german_credit.csv")
    dictionary_path = out / "german_credit.json"
    dictionary_path.write_text(
        datasets.german_credit_dictionary_path().read_text(encoding="utf-8"), encoding="utf-8"
    )
    typer.echo(f"wrote {data_path} and {dictionary_path}")
    typer.echo(f"source: {datasets.GERMAN_CREDIT_CITATION}")


@app.command()
def train(
    data: Annotated[Path | None, typer.Argument(help="Training table: CSV or Parquet, one row per person (or use --as-of to train on the lake).")] = None,
    target: Annotated[str | None, typer.Option(help="Outcome column: 1/0, or two labels with --bad.")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the model (JSON). With --as-of the default is the models folder under CREDO_HOME.")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Identifier column (not a feature).")] = None,
    bad: Annotated[str | None, typer.Option(help="Label of a bad outcome in the target column.")] = None,
    dictionary: Annotated[Path | None, typer.Option(help="Data dictionary (JSON): dimensions, wording, trends, protected columns.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Column never to use (repeatable).")] = None,
    categorical: Annotated[list[str] | None, typer.Option(help="Column to treat as categorical (repeatable).")] = None,
    allow_protected: Annotated[list[str] | None, typer.Option(help="Column whose name reads as a protected attribute (age, sex, nationality...) to use all the same (repeatable).")] = None,
    special: Annotated[list[str] | None, typer.Option(help="Special value with a bin of its own, COLUMN=NUMBER (repeatable).")] = None,
    max_bins: Annotated[int, typer.Option(help="Most bins per feature.")] = _BINNING.max_bins,
    min_bin_share: Annotated[float, typer.Option(help="Least share of rows in a bin.")] = _BINNING.min_bin_share,
    n_prebins: Annotated[int, typer.Option(help="Quantile pre-bins before merging.")] = _BINNING.n_prebins,
    min_bin_count: Annotated[int, typer.Option(help="Least number of rows in a bin (0: only --min-bin-share).")] = _BINNING.min_bin_count,
    min_bin_bads: Annotated[int, typer.Option(help="A bin under --min-bin-share is still kept when it holds this many bads: a rare but telling value (0: never).")] = _BINNING.min_bin_bads,
    woe_prior: Annotated[float, typer.Option(help="Rows of prior, in the sample's good/bad mix, behind each bin's WOE (0: raw WOE).")] = _BINNING.woe_prior,
    tune: Annotated[bool, typer.Option("--tune/--no-tune", help="Choose --min-bin-share and the regularisation by cross-validation on the training rows.")] = False,
    trend: Annotated[str, typer.Option(help=f"Default-rate trend: {', '.join(TRENDS)}.")] = _BINNING.trend,
    min_iv: Annotated[float, typer.Option(help="Least information value to keep a feature.")] = _MODEL.min_iv,
    refit_prior: Annotated[float, typer.Option(help="Pull of each refitted bin toward the regression's value, in units of Fisher information (about p(1-p) per row).")] = _MODEL.refit_prior,
    refit: Annotated[bool, typer.Option("--refit/--no-refit", help="Refit every bin's points given the other features, within its trend.")] = True,
    max_correlation: Annotated[float, typer.Option(help="Most WOE correlation between kept features.")] = _MODEL.max_correlation,
    holdout: Annotated[float | None, typer.Option(help="Share held out to measure the model (0 for none; default 0.3). On the lake: the share of people kept out of development, on whom the later month is validated.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the holdout split (default 0).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Train on the lake's population as of this date (YYYY-MM-DD).")] = None,
    validate_as_of: Annotated[str | None, typer.Option("--validate-as-of", help="Validate out of time on this later date.")] = None,
    engine: Annotated[str | None, typer.Option(help="Engine for lake features: " + ENGINE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the training summary as JSON (schema in docs/cli-json.md).")] = False,
) -> None:
    """Train a scorecard from a table (DATA --target) or from the lake (--as-of)."""
    if out is not None:  # checked before the training, whose work a bad path would lose
        check_output_path(out, artifact.MODEL_SUFFIXES, "model file")
    specials = _parse_specials(special or [])
    holdout = DEFAULT_HOLDOUT if holdout is None else holdout
    seed = seed or 0
    binning = BinningOptions(
        max_bins=max_bins, min_bin_share=min_bin_share, min_bin_count=min_bin_count,
        min_bin_bads=min_bin_bads, woe_prior=woe_prior, n_prebins=n_prebins, trend=trend,
    )
    fit = {
        "binning": binning, "tune": tune, "min_iv": min_iv,
        "max_correlation": max_correlation, "exclude": exclude or (),
        "refit_prior": refit_prior if refit else None,
    }
    if as_of is not None:
        if data is not None or target is not None:
            raise InputError("give either DATA with --target, or --as-of, not both")
        _refuse_table_options_on_the_lake(dictionary=dictionary, categorical=categorical,
                                          id_column=id_column, bad=bad,
                                          allow_protected=allow_protected)
        from credo.cli.pipeline import train_from_lake
        from credo.pipeline.training import catalogue_scorecard

        known = _catalogue_dictionary()
        _check_named_columns([*(exclude or []), *specials], known.features, "the catalogue")
        train_from_lake(as_of, validate_as_of, out, engine,
                        catalogue_scorecard(dictionary=_with_specials(known, specials), **fit),
                        holdout=holdout, seed=seed, as_json=as_json)
        return
    if data is None or target is None or out is None:
        raise InputError("credo train needs DATA, --target and --out (or --as-of to use the lake)")
    if validate_as_of is not None:
        raise InputError("--validate-as-of goes with --as-of")
    frame = read_table(data)
    known = DataDictionary.load(dictionary) if dictionary else DataDictionary()
    known = _with_specials(known, specials)
    _check_named_columns([*(exclude or []), *(categorical or []), *specials,
                          *(allow_protected or [])], frame.columns, repr(str(data)))
    model = Scorecard(dictionary=known, categorical=categorical or (),
                      allow_protected=allow_protected or (), **fit)
    with ConsoleProgress() as progress:
        # One step per feature binned, then selection, regression and refit.
        progress.stage("training", total=frame.shape[1] + 2, unit="steps")
        result = train_from_frame(
            frame, target, model, id_column=id_column, bad_value=bad,
            holdout=holdout, seed=seed, progress=progress.step,
        )
    document = artifact.save(result.model, out, result.metadata)
    print_training(training_summary(document, result.model, out), as_json)


def _check_named_columns(names: list[str], known: object, where: str) -> None:
    for column in names:
        if column not in known:  # type: ignore[operator]
            raise InputError(f"column {column!r} named in an option is not in {where}")


def _refuse_table_options_on_the_lake(**given: object) -> None:
    """Options that only make sense for a table are refused by name with --as-of, never
    accepted and ignored."""
    why = {
        "dictionary": "the feature catalogue is the lake's dictionary",
        "categorical": "categorical features come from the catalogue",
        "id_column": "the lake's id is person_id",
        "bad": "the lake's outcome is defined by credo",
        "allow_protected": "no protected attribute is in the catalogue",
    }
    for name, value in given.items():
        if value is not None and value != []:
            flag = {"id_column": "id"}.get(name, name).replace("_", "-")
            raise InputError(f"--{flag} is for training on a table, not with --as-of: {why[name]}")


def _catalogue_dictionary() -> DataDictionary:
    from credo.features.catalogue import data_dictionary

    return data_dictionary()


@app.command()
def score(
    model_path: Annotated[Path, typer.Argument(metavar="MODEL", help="Model JSON from credo train.")],
    data: Annotated[Path, typer.Argument(help="Table to score: CSV or Parquet.")],
    out: Annotated[Path, typer.Option(help="Scores file: .csv or .parquet, or - for CSV on standard output.")],
    id_column: Annotated[str | None, typer.Option("--id", help="Identifier column (default: the one used in training).")] = None,
) -> None:
    """Score every row: id, score, band, five sub-scores, four reason codes."""
    to_stdout = str(out) == "-"
    if not to_stdout:
        check_output_path(out, READABLE, "output")
    model, document = artifact.load(model_path)
    frame = read_table(data)
    id_column = id_column or document["metadata"].get("id_column")
    if id_column is not None and id_column not in frame.columns:
        id_column = None
    with console.status(f"scoring {len(frame):,} rows"):
        scores = score_frame(model, frame, id_column)
    if to_stdout:  # the scores alone on standard output, for a pipe; the count on stderr
        scores.to_csv(sys.stdout, index=False)
        console.print(f"scored {len(scores):,} rows", highlight=False)
        return
    write_table(scores, out)
    typer.echo(f"scored {len(scores):,} rows into {out}")


@app.command()
def explain(
    model_path: Annotated[Path, typer.Argument(metavar="MODEL", help="Model JSON from credo train.")],
    data: Annotated[Path, typer.Argument(help="Table holding the person: CSV or Parquet.")],
    id_value: Annotated[str, typer.Option("--id", help="The person's identifier value.")],
    id_column: Annotated[str | None, typer.Option("--id-column", help="Identifier column (default: the one used in training).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON (schema in docs/cli-json.md).")] = False,
) -> None:
    """Explain one person's score in words."""
    # The catalogue (and the engines it names) loads here, not for every command.
    from credo.features.wording import bin_in_words

    model, document = artifact.load(model_path)
    frame = read_table(data)
    column = id_column or document["metadata"].get("id_column")
    if column is None:
        raise InputError("the model was trained without --id: name the column with --id-column")
    if column not in frame.columns:
        raise InputError(f"id column {column!r} is not in {str(data)!r}: name it with --id-column")
    match = frame[frame[column].astype(str) == id_value]
    if match.empty:
        raise InputError(f"no row has {column} = {id_value!r} in {str(data)!r}")
    if len(match) > 1:
        raise InputError(f"{len(match)} rows have {column} = {id_value!r}: ids must be unique")
    explanation = explain_one(model, match)
    currency = Settings.from_env().currency

    def words(feature: str, label: str) -> str:
        return bin_in_words(feature, label, currency)

    if as_json:
        print_json(ExplanationOut(
            id_column=column, id=id_value, score=explanation.score, band=explanation.band,
            probability_of_default=explanation.probability_of_default,
            sub_scores=explanation.sub_scores,
            reasons=[ReasonOut(feature=r.feature, description=r.description,
                               bin=words(r.feature, r.bin_label), points_lost=r.points_lost,
                               text=r.text(words))
                     for r in explanation.reasons],
        ))
        return
    typer.echo(f"{column} {id_value}")
    typer.echo(explanation_text(explanation, words))


@app.command()
def report(
    model_path: Annotated[Path | None, typer.Argument(metavar="MODEL", help="Model JSON from credo train.")] = None,
    data: Annotated[Path | None, typer.Argument(help="Table to measure the model on: CSV or Parquet.")] = None,
    target: Annotated[str | None, typer.Option(help="Outcome column (default: the training target, if present).")] = None,
    bad: Annotated[str | None, typer.Option(help="Label of a bad outcome.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", rich_help_panel="The lake's report", help="Validation report on the lake: development month (default: the model's).")] = None,
    validate_as_of: Annotated[str | None, typer.Option("--validate-as-of", rich_help_panel="The lake's report", help="Out-of-time month (default: the model's).")] = None,
    model_ref: Annotated[str | None, typer.Option("--model", rich_help_panel="The lake's report", help="Registered model id or model file (default: the latest registered).")] = None,
    out: Annotated[Path | None, typer.Option(help="HTML validation report to write (a .json twin goes next to it).")] = None,
    margin: Annotated[float, typer.Option(help="AUC margin the challenger must win by.")] = 0.01,
    engine: Annotated[str | None, typer.Option(rich_help_panel="The lake's report", help="Engine for lake features: " + ENGINE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary of MODEL on DATA as JSON (schema in docs/cli-json.md).")] = False,
) -> None:
    """Summarise MODEL on DATA, or write the HTML validation report (--out) of MODEL on
    DATA or of a model trained on the lake."""
    table = model_path is not None and data is not None
    if as_json and (out is not None or as_of is not None):
        raise InputError("--json prints the summary of MODEL on DATA; the validation "
                         "report's figures are in the .json file next to --out")
    if (out is not None or as_of is not None) and not table:
        from credo.cli.governance import governance_report

        if model_path is not None or data is not None:
            raise InputError("give MODEL and DATA both, or neither (the lake's report)")
        governance_report(as_of, validate_as_of, model_ref, out or Path("report.html"), margin,
                          engine)
        return
    if not table:
        raise InputError("credo report needs MODEL and DATA, or --out for the validation report")
    if as_of is not None or validate_as_of is not None or model_ref is not None:
        raise InputError("--as-of, --validate-as-of and --model are for the lake's report, "
                         "not with MODEL DATA")
    if out is not None:
        make_output_path(out, (".html",), "validation report")
    model, document = artifact.load(model_path)
    frame = read_table(data)
    metadata = document["metadata"]
    column = target or metadata.get("target")
    outcome = None
    if column is not None and column in frame.columns:
        outcome = binary_target(frame, column, bad or metadata.get("bad_value"))
    elif target is not None:
        raise InputError(f"target column {target!r} is not in {str(data)!r}")
    if out is not None:
        from credo.cli.governance import table_report

        if outcome is None:
            raise InputError(f"the validation report needs the outcome: {str(data)!r} has no "
                             f"column {column!r}; name it with --target")
        table_report(model, document, frame, outcome, column, data, out, margin)
        return
    summary = report_summary(model, document, frame, outcome)
    if as_json:
        print_json(ReportOut.model_validate(summary))
        return
    typer.echo(report_text(summary))
