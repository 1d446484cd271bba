"""Governance commands: model list/promote/rollback, monitor, and the validation report
behind ``credo report --as-of``.

Operator actions (register, promote, rollback) are recorded in the registry and in the
audit log under the actor ``cli:<os user>``. ``credo monitor`` exits with code 3 when a
stability index reaches "act" (0.25), so it can gate a scheduled run.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from credo.cli import app
from credo.cli.identity import actor
from credo.cli.output import ENGINE_HELP
from credo.config import Settings
from credo.errors import InputError
from credo.outputs import make_output_path, write_atomically
from credo.pipeline.tables import parse_as_of
from credo.scorecard import Scorecard, artifact
from credo.scorecard.metrics import PSI_ACT, PSI_WATCH

model_app = typer.Typer(
    help="The model registry: list, promote, rollback, which.", no_args_is_help=True
)
app.add_typer(model_app, name="model")


def _registry(settings: Settings) -> Any:
    from credo.governance.registry import Registry

    return Registry(settings)


@model_app.command("list")
def model_list() -> None:
    """Every registered model: version, status, months, out-of-time AUC, promoter."""
    with _registry(Settings.from_env()) as registry:
        models = registry.list()
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


def register_trained(settings: Settings, document: dict[str, Any]) -> str:
    """Register a model trained on the lake; the first one becomes champion at once
    (there is nothing to compare it with). Returns a line for the operator."""
    with _registry(settings) as registry:
        info = registry.register(document, actor())
        if registry.champion() is None:
            registry.promote(info.model_id, actor(), "first model in the registry")
            return f"registered as version {info.version} and made champion (first model)"
    return (
        f"registered as candidate version {info.version}: compare it (credo report "
        f"--model {info.model_id}) and promote it (credo model promote {info.model_id})"
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
        typer.Option(help="Model that scores months without a snapshot (default: the champion)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
    engine: Annotated[
        str | None, typer.Option(help="For features not yet computed: " + ENGINE_HELP)
    ] = None,
    show: Annotated[int, typer.Option(help="Features to list (most shifted first).")] = 15,
) -> None:
    """PSI of the score and CSI of every feature between two months; exit 3 on "act"."""
    from credo.features.engines import open_engine
    from credo.governance import monitoring, samples
    from credo.layout import champion_path

    settings = Settings.from_env()
    current_day, baseline_day = parse_as_of(as_of), parse_as_of(baseline_as_of)
    if out is not None:
        make_output_path(out, (".json",), "stability figures")
    path = model or champion_path(settings)
    scorecard: Scorecard | None = artifact.load(path)[0] if path.exists() else None
    runner = open_engine(engine)
    try:
        frames = {d: samples.features(settings, runner, d) for d in (baseline_day, current_day)}
    finally:
        runner.close()
    scores = {d: _month_scores(settings, d, frames[d], scorecard) for d in frames}
    report = monitoring.stability(
        frames[baseline_day],
        frames[current_day],
        scores[baseline_day],
        scores[current_day],
        str(baseline_day),
        str(current_day),
    )
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


def _month_scores(settings: Settings, day: date, frame: Any, model: Scorecard | None) -> Any:
    """The published scores of the month when it was run, else the model's scores."""
    from credo.governance import samples

    published = samples.published_scores(settings, day)
    if published is not None:
        return published["score"].to_numpy()
    if model is None:
        raise InputError(
            f"no snapshot for {day} and no champion model to score it: run credo run "
            f"--as-of {day}, or pass --model"
        )
    return model.score(frame)


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
    from credo.features.engines import open_engine
    from credo.governance import fairness, fairness_truth, samples
    from credo.governance import report as report_mod
    from credo.layout import champion_path

    started = time.perf_counter()
    make_output_path(out, (".html",), "validation report")
    settings = Settings.from_env()
    entry: dict[str, Any] | None = None
    with _registry(settings) as registry:
        if model_ref and Path(model_ref).exists():
            scorecard, document = artifact.load(model_ref)
        else:
            listed = registry.list()
            if model_ref:
                chosen = next((m for m in listed if m.model_id == model_ref), None)
                if chosen is None:
                    raise InputError(
                        f"no model file or registered model {model_ref!r}: see credo model list"
                    )
            else:
                chosen = listed[-1] if listed else None
            if chosen is not None:
                document = registry.document(chosen.model_id)
                scorecard = artifact.from_dict(document, chosen.model_id)
            elif champion_path(settings).exists():
                scorecard, document = artifact.load(champion_path(settings))
            else:
                raise InputError("no model to report on: train one (credo train --as-of ...)")
        known = {m.model_id: m for m in registry.list()}
    if document.get("model_id") in known:
        info = known[document["model_id"]]
        entry = {
            "version": info.version,
            "status": info.status,
            "promoted_by": info.promoted_by,
            "promoted_at": info.promoted_at,
        }
    metadata = document.get("metadata", {})
    first_text = as_of or metadata.get("as_of")
    if not first_text:
        raise InputError("give --as-of: the model does not say which month it was trained on")
    first = parse_as_of(first_text)
    second_text = validate_as_of or metadata.get("validate_as_of")
    second = parse_as_of(second_text) if second_text else None
    runner = open_engine(engine)
    try:
        development = samples.with_bad(settings, runner, first)
        validation = samples.with_bad(settings, runner, second) if second else None
    finally:
        runner.close()
    development, validation = samples.split_as_trained(document, development, validation)
    protected = fairness.read_protected(settings.truth / "protected")
    # The true default probabilities (simulated populations only) of the month the model
    # is judged on: the out-of-time month when there is one.
    truth = fairness_truth.read_true_pd(settings.truth / "true_pd", second or first)
    report = report_mod.build(
        scorecard,
        document,
        development,
        validation,
        protected,
        margin=margin,
        registry_entry=entry,
        truth=truth,
    )
    html, twin = report_mod.write(report, out)
    total = time.perf_counter() - started
    typer.echo(
        f"report on {document.get('model_id')} written to {html} and {twin} "
        f"in {total:.1f} s (of which analysis {report['generation_seconds']:.1f} s)"
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
