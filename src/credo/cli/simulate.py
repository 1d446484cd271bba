"""``credo simulate``: a believable population, written through the ingest path."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from credo.cli.output import ConsoleProgress
from credo.cli.root import app
from credo.config import Settings
from credo.data.lake import Lake
from credo.simulate import families
from credo.simulate.population import (
    MAX_REPORTING_LAG_DAYS,
    MIN_REPORTING_LAG_DAYS,
    SimConfig,
    simulate,
)
from credo.simulate.sources import STATEMENT_LAG_DAYS

_FAMILIES = "; ".join(f"{f.name} ({f.what})" for f in families.FAMILIES.values())
WITHOUT_HELP = (
    "Leave a record family out of the lake (repeatable; the people and the truth stay "
    f"the seed's own): {_FAMILIES}."
)
LAG_HELP = (
    "Days from a statement's period end to its report "
    f"({MIN_REPORTING_LAG_DAYS}-{MAX_REPORTING_LAG_DAYS})."
)


@app.command("simulate")
def simulate_cmd(
    people: int = typer.Option(100_000, "--people", help="Number of people."),
    months: int = typer.Option(24, "--months", help="Months of history."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same population)."),
    end: str = typer.Option("2025-12", "--end", help="Last simulated month, YYYY-MM."),
    chunk: int = typer.Option(50_000, "--chunk", help="People simulated at once (memory)."),
    bad_share: float = typer.Option(0.001, "--bad-share", help="Share of bad records sent."),
    lake: Path | None = typer.Option(None, "--lake", help="Lake folder (default CREDO_LAKE)."),
    truth: Path | None = typer.Option(None, "--truth", help="Truth folder (default in home)."),
    without: list[str] = typer.Option([], "--without", metavar="FAMILY", help=WITHOUT_HELP),
    reporting_lag_days: int = typer.Option(
        STATEMENT_LAG_DAYS, "--reporting-lag-days", help=LAG_HELP
    ),
) -> None:
    """Simulate people and their sources' records into the lake; truth goes apart."""
    settings = Settings.from_env()
    cfg = SimConfig(
        people=people,
        months=months,
        seed=seed,
        end_month=end,
        chunk=chunk,
        bad_share=bad_share,
        without=tuple(without),
        reporting_lag_days=reporting_lag_days,
    )
    cfg.check()  # every option, before any work
    with ConsoleProgress() as progress:
        progress.stage("simulating people", total=people, unit="people")
        report = simulate(cfg, Lake(lake or settings.lake), truth or settings.truth,
                          progress=progress.count)
    out = Console(soft_wrap=True)
    total = report.total_records
    rate = total / max(report.seconds_total, 1e-9)
    out.print(
        f"simulated {people:,} people x {months} months: {total:,} records in "
        f"{report.seconds_total:.1f}s ({rate:,.0f} records/s; "
        f"{'bulk path' if report.bulk else 'deduplicating path'})"
    )
    for kind, n in sorted(report.records.items()):
        out.print(f"  {kind}: {n:,}")
    if cfg.without:
        left_out = [name for name in families.FAMILIES if name in cfg.without]
        out.print(f"left out: {', '.join(left_out)}")
    out.print(
        f"lake: accepted {report.accepted:,}, duplicate {report.duplicate:,}, "
        f"superseded {report.superseded:,}, quarantined {report.quarantined:,}"
    )
    out.print(f"mean true 12-month PD {report.mean_true_pd:.4f}; truth in {report.truth_dir}")
    if report.bad_injected:
        injected = ", ".join(f"{k} {v:,}" for k, v in sorted(report.bad_injected.items()))
        quarantined = sum(r.quarantined for r in report.bad_ingest)
        out.print(f"bad records sent through ingest on purpose: {injected}; {quarantined:,} "
                  "quarantined (list them: credo quarantine)", highlight=False)
