"""Governance commands: model list/promote/rollback, monitor, and the validation report
behind ``credo report --as-of``.

Operator actions (register, promote, rollback) are recorded in the registry and in the
audit log under the actor ``cli:<os user>``. ``credo monitor`` exits with code 3 when a
stability index reaches "act" (0.25), so it can gate a scheduled run.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credo.cli.identity import actor
from credo.cli.output import ENGINE_HELP, ConsoleProgress, print_json
from credo.cli.root import app
from credo.cli.schemas import ModelOut
from credo.config import Settings
from credo.errors import InputError
from credo.outputs import make_output_path, write_atomically
from credo.pipeline.tables import parse_as_of

if TYPE_CHECKING:
    from credo.scorecard.model import Scorecard
from credo.scorecard.metrics import PSI_ACT, PSI_WATCH

model_app = typer.Typer(
    help="The model registry: list, promote, rollback, which.", no_args_is_help=True
)
app.add_typer(model_app, name="model")


def _registry(settings: Settings) -> Any:
    from credo.governance.registry import Registry

    return Registry(settings)


@model_app.command("list")
def model_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the models as a JSON list (schema in docs/cli-json.md).")] = False,
) -> None:
    """Every registered model: version, status, months, out-of-time AUC, promoter."""
    with _registry(Settings.from_env()) as registry:
        models = registry.list()
    if as_json:
        print_json([ModelOut(**dataclasses.asdict(m)) for m in models])
        return
    if not models:
        typer.echo("no models registered: train one with credo train --as-of ...")
        return
    typer.echo(
        f"{'ver':>3}  {'status':<9}  {'model_id':<44} {'as_of':<10} {'validate':<10} "
        f"{'AUC oot':>7}  promoted"
    )
    for m in models:
        oot = m.metrics.get("out_of_time", {}).get("auc")
        auc = f"{oot:.4f}" if oot is not None else "-"
        promoted = f"{m.promoted_by} {m.promoted_at}" if m.promoted_by else ""
        typer.echo(
            f"{m.version:>3}  {m.status:<9}  {m.model_id:<44} {m.as_of!s:<10} "
            f"{m.validate_as_of!s:<10} {auc:>7}  {promoted}"
        )


@model_app.command("promote")
def model_promote(
    model_id: Annotated[str, typer.Argument(help="The model to make champion.")],
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
) -> None:
    """Make a registered model the champion that credo run uses."""
    from credo.layout import champion_path

    settings = Settings.from_env()
    with _registry(settings) as registry:
        info = registry.promote(model_id, actor(), note)
    typer.echo(
        f"model {info.model_id} (version {info.version}) is champion, written to "
        f"{champion_path(settings)}"
    )


@model_app.command("rollback")
def model_rollback(
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
) -> None:
    """Restore the champion that the current one replaced."""
    with _registry(Settings.from_env()) as registry:
        info = registry.rollback(actor(), note)
    typer.echo(f"rolled back: model {info.model_id} (version {info.version}) is champion")


@model_app.command("which")
def model_which(
    person_id: Annotated[str, typer.Argument(help="The person whose score to trace.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The month of the published score.")],
) -> None:
    """Which registered model produced a person's published score for a month."""
    with _registry(Settings.from_env()) as registry:
        info = registry.model_of_score(person_id, parse_as_of(as_of))
    if info is None:
        raise InputError(f"no published score of a registered model for {person_id} as of {as_of}")
    typer.echo(
        f"{info.model_id} (version {info.version}, {info.status}; trained as of "
        f"{info.as_of}, data {info.fingerprint})"
    )


# ---------------------------------------------------------------- monitoring
@app.command()
def monitor(
    as_of: Annotated[str, typer.Option("--as-of", help="The month to check, YYYY-MM-DD.")],
    baseline_as_of: Annotated[
        str, typer.Option("--baseline-as-of", help="The month to compare with.")
    ],
    model: Annotated[
        Path | None,
        typer.Option(help="Model file or registered model id that scores months without a snapshot (default: the champion)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
    engine: Annotated[
        str | None, typer.Option(help="For features not yet computed: " + ENGINE_HELP)
    ] = None,
    show: Annotated[int, typer.Option(help="Features to list (most shifted first).")] = 15,
) -> None:
    """PSI of the score and CSI of every feature between two months; exit 3 on "act"."""
    from credo.features.engines import open_engine
    from credo.governance import monitoring
    from credo.governance.model_reference import find_model

    settings = Settings.from_env()
    current_day, baseline_day = parse_as_of(as_of), parse_as_of(baseline_as_of)
    if out is not None:
        make_output_path(out, (".json",), "stability figures")
    chosen = find_model(settings, model)
    runner = open_engine(engine)
    try:
        report = monitoring.compare_months(settings, runner, baseline_day, current_day,
                                           chosen.scorecard if chosen else None)
    finally:
        runner.close()
    typer.echo(f"stability {baseline_day} -> {current_day} "
               f"(watch >= {PSI_WATCH:.2f}, act >= {PSI_ACT:.2f})")
    typer.echo(f"  score PSI {report.score_psi:.4f}  {report.score_status}")
    for row in report.features[:show]:
        typer.echo(f"  {row['feature']:<34} CSI {row['csi']:.4f}  {row['status']}")
    flagged = [r for r in report.features if r["status"] != "stable"]
    typer.echo(
        f"{len(flagged)} of {len(report.features)} features on watch or act; "
        f"overall: {report.status}"
    )
    if out is not None:
        text = json.dumps(report.to_dict(), indent=2) + "\n"
        write_atomically(
            out, lambda target: target.write_text(text, encoding="utf-8"), "stability figures"
        )
    if report.status == "act":
        raise typer.Exit(monitoring.EXIT_ACT)


# ---------------------------------------------------------------- the report
def governance_report(
    as_of: str | None,
    validate_as_of: str | None,
    model_ref: str | None,
    out: Path,
    margin: float,
    engine: str | None,
) -> None:
    """``credo report --as-of``: the HTML validation report and its JSON twin."""
    from credo.governance.validation import write_validation_report

    with ConsoleProgress() as progress:
        written = write_validation_report(
            Settings.from_env(), out, model=model_ref,
            as_of=parse_as_of(as_of) if as_of else None,
            validate_as_of=parse_as_of(validate_as_of) if validate_as_of else None,
            margin=margin, engine=engine, stage=progress.stage,
        )
    _print_report(written.report, written.html, written.twin, margin, written.seconds)


def table_report(model: Scorecard, document: dict[str, Any], frame: Any, outcome: Any,
                 target: str, data: Path, out: Path, margin: float) -> None:
    """``credo report MODEL DATA --out FILE.html``: the validation report of a model
    trained on a table, measured on DATA (its outcome in ``target``)."""
    from credo.governance import report as report_mod
    from credo.scorecard.training import holdout_split

    started = time.perf_counter()
    metadata = document.get("metadata", {})
    id_column = metadata.get("id_column")
    X = frame.drop(columns=[c for c in (target, id_column) if c and c in frame.columns])
    # The rows split as in training (same share and seed): on the training table, the
    # model (and the challenger) are judged on rows neither was fitted on.
    X_fit, X_held, y_fit, y_held = holdout_split(X, outcome, metadata.get("holdout_share") or 0,
                                                 metadata.get("seed") or 0)
    fitted = X_fit.assign(bad=y_fit)
    held = None if X_held is None else X_held.assign(bad=y_held)
    with ConsoleProgress() as progress:
        report = report_mod.build(
            model, document, fitted, held, None, margin=margin, stage=progress.stage,
            outcome=f"the column {target!r} of {data.name}",
            sample_names=("train", "holdout") if held is not None else ("data", "holdout"),
        )
        progress.stage("writing the report")
        html, twin = report_mod.write(report, out)
    _print_report(report, html, twin, margin, time.perf_counter() - started)


def _print_report(report: dict[str, Any], html: Path, twin: Path, margin: float,
                  total: float) -> None:
    typer.echo(
        f"report on {report['model']['model_id']} written to {html} and {twin} "
        f"in {total:,.1f} s (of which analysis {report['generation_seconds']:,.1f} s)"
    )
    judge = report["challenger"]["judged_on"]
    champ, chall = report["performance"][judge], report["challenger"]["metrics"][judge]
    typer.echo(
        f"{judge}: scorecard AUC {champ['auc']:.4f} KS {champ['ks']:.4f} | "
        f"challenger AUC {chall['auc']:.4f} KS {chall['ks']:.4f} -> champion: "
        f"{report['challenger']['decision']['winner']} "
        f"(margin {margin:.3f})"
    )
    if report["fairness"]:
        for attribute, a in report["fairness"]["attributes"].items():
            airs = ", ".join(f"{t}: {v:.3f}" for t, v in a["min_air"].items())
            typer.echo(f"fairness {attribute}: lowest AIR {airs}; {len(a['flags'])} flagged")
    else:
        typer.echo("fairness: no protected attributes available, audit not run")
    for line in truth_lines(report["fairness_truth"]) + lda_lines(report["lda"]):
        typer.echo(line)


def truth_lines(section: dict[str, Any]) -> list[str]:
    """The CLI summary of fairness against the truth."""
    if not section.get("available"):
        return [f"fairness vs truth: not available ({section.get('reason')})"]

    def signed(value: float | None) -> str:
        return "-" if value is None else f"{value:+.3f}"

    cuts = "/".join(str(t) for t in section["thresholds"])
    largest = "; ".join(
        f"{attribute} "
        + "/".join(signed(f["largest_excess_tpr_gap"]) for f in a["summary"].values())
        for attribute, a in section["attributes"].items()
    )
    goal = section["goal"]
    aim = f"{goal['attribute']} TPR gaps within {goal['tolerance']} of the truth's"
    if goal["met"] is None:
        verdict = f"goal ({aim}): no {goal['attribute']} attribute"
    elif goal["met"]:
        verdict = f"goal ({aim}): met at every cut-off"
    else:
        verdict = f"goal ({aim}): missed at {len(goal['misses'])}: " + ", ".join(
            f"{m['group']} at {m['threshold']} {m['excess_tpr_gap']:+.3f}" for m in goal["misses"]
        )
    return [
        f"fairness vs truth as of {section['as_of']} ({section['people']:,} people): excess "
        f"TPR gap furthest from 0 at {cuts}: {largest}",
        f"fairness vs truth {verdict}",
    ]


def lda_lines(section: dict[str, Any]) -> list[str]:
    """The CLI summary of the search for less-discriminatory alternatives."""
    if not section.get("available"):
        return [f"less-discriminatory alternatives: not searched ({section.get('reason')})"]
    champion = section["champion"]
    rows = [r for r in section["alternatives"] if r["kind"] != "reference" and "error" not in r]
    line = (
        f"less-discriminatory alternatives: {section['flagged']} of "
        f"{len(section['alternatives'])} flagged (AUC within {section['auc_tolerance']} of "
        f"{champion['auc']:.4f}, lowest AIR at least {section['air_gain']} above "
        f"{champion['min_air']:.3f})"
    )
    flagged = [r for r in rows if r["flagged"]]
    if flagged:
        line += ": " + ", ".join(
            f"{r['name']} (AUC {r['auc_change']:+.4f}, AIR {r['min_air']:.3f})" for r in flagged
        )
    elif rows:
        best = max(rows, key=lambda r: r["min_air"])
        line += (
            f"; best lowest AIR {best['min_air']:.3f} {best['name']} "
            f"(AUC {best['auc_change']:+.4f})"
        )
    return [line]
