"""The population simulator: people in chunks -> sources' records -> validation -> lake.

Memory is bounded by the chunk size (people simulated together), never by the
population. Each chunk's records are validated by the same rules as any ingest and
committed atomically. While the lake holds nothing from the simulated sources the
chunk takes the *trusted bulk path* (no dedup lookup: record ids are unique by
construction); otherwise every record is deduplicated, so re-running the same
simulation is a no-op. Ground truth and protected attributes are written under the
truth folder, never into the lake.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from credo.data import schemas as sc
from credo.data.ingest import IngestReport, ingest_path, ingest_table
from credo.data.lake import Lake
from credo.errors import ConfigError
from credo.outputs import write_atomically
from credo.progress import Count
from credo.simulate import families, sources, truth
from credo.simulate.bad_records import corrupt
from credo.simulate.traits import AGE_BANDS, REGIONS, SEXES, draw_people, simulate_shocks

SIM_SOURCES = {
    "sim-bank",
    "sim-bnpl",
    "sim-pay",
    "sim-utility",
    "sim-telecom",
    "sim-landlord",
    "sim-courts",
    "sim-idv",
}


MAX_MONTHS = 120
EARLIEST_MONTH = np.datetime64("1900-01", "M")
# A statement is reported once its bill is paid or missed, and within a year.
MIN_REPORTING_LAG_DAYS = sources.LATEST_PAYMENT_DAY
MAX_REPORTING_LAG_DAYS = 365


@dataclass(frozen=True)
class SimConfig:
    people: int
    months: int = 24
    seed: int = 0
    end_month: str = "2025-12"  # last simulated month; fixed so a seed is reproducible
    chunk: int = 50_000
    bad_share: float = 0.001  # share of records re-sent as deliberately bad copies
    tx_scale: float = 1.0  # scales the number of purchases and transfers
    # Record families left out of the lake (see ``families.FAMILIES``); the population
    # and its truth stay those of the same seed with every family.
    without: tuple[str, ...] = ()
    reporting_lag_days: int = sources.STATEMENT_LAG_DAYS  # statement period end -> report

    def check(self) -> None:
        if isinstance(self.without, str):
            raise ConfigError("without: give a list of family names, not one string")
        if bad := families.unknown(self.without):
            raise ConfigError(
                f"--without {bad[0]!r}: unknown record family; choose from "
                f"{', '.join(families.FAMILIES)}"
            )
        lag = self.reporting_lag_days
        whole = isinstance(lag, int | np.integer) and not isinstance(lag, bool)
        if not whole or not MIN_REPORTING_LAG_DAYS <= lag <= MAX_REPORTING_LAG_DAYS:
            low, high = MIN_REPORTING_LAG_DAYS, MAX_REPORTING_LAG_DAYS
            raise ConfigError(
                f"--reporting-lag-days {lag!r}: must be whole days from {low} to {high} (a "
                f"statement is reported once its bill is paid or missed, up to {low} days "
                "after the period ends, and within a year)"
            )
        if self.people < 1 or self.months < 1 or self.chunk < 1:
            raise ConfigError("--people, --months and --chunk must be positive")
        if not 0 <= self.bad_share < 0.5:
            raise ConfigError("--bad-share must be in [0, 0.5)")
        if self.months > MAX_MONTHS:
            raise ConfigError(
                f"--months {self.months}: at most {MAX_MONTHS} (ten years of history)"
            )
        try:
            end = np.datetime64(self.end_month, "M")
        except ValueError:
            raise ConfigError(f"--end {self.end_month!r}: use YYYY-MM") from None
        if end - (self.months - 1) < EARLIEST_MONTH:
            raise ConfigError(
                f"--end {self.end_month} with --months {self.months} starts before "
                f"{EARLIEST_MONTH}, earlier than any record the lake accepts"
            )
        # Every record must be reported by today, or ingestion quarantines it as "in the
        # future": the last month's statements arrive the longest after it ends.
        today = np.datetime64(date.today(), "D")
        latest = (today - (lag + 1)).astype("datetime64[M]") - 1
        if end > latest:
            raise ConfigError(
                f"--end {self.end_month}: its statements would be reported after today "
                f"(about {lag} days after the month ends); use {latest} or earlier"
            )


@dataclass
class SimReport:
    config: SimConfig
    records: Counter[str] = field(default_factory=Counter)  # generated, by kind
    accepted: int = 0
    duplicate: int = 0
    superseded: int = 0
    quarantined: int = 0
    bad_injected: Counter[str] = field(default_factory=Counter)
    bad_ingest: list[IngestReport] = field(default_factory=list)
    bulk: bool = True
    seconds_generate: float = 0.0
    seconds_write: float = 0.0
    seconds_total: float = 0.0
    mean_true_pd: float = 0.0
    truth_dir: str = ""

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def generate_chunk(cfg: SimConfig, index: int, first: int, n: int) -> dict:
    """Everything about one chunk of people: records per kind, truth, protected."""
    rng = np.random.default_rng([cfg.seed, index])
    cal = sources.Calendar(cfg.end_month, cfg.months)
    people = draw_people(rng, first, n, cfg.seed)
    shocks = simulate_shocks(rng, people, cfg.months)
    h0, h1 = people.hazards()
    starts = rng.random((n, cfg.months)) < np.where(shocks, h1[:, None], h0[:, None])
    acc = sources.draw_accounts(rng, people, cal)
    spirals = sources.assign_spirals(rng, people, acc, starts, cal)
    lag = cfg.reporting_lag_days
    tables = {
        "account": sources.account_table(people, acc, cal, rng),
        "statement": sources.statement_table(people, acc, shocks, cal, rng, lag),
        "transaction": sources.transaction_table(people, shocks, cal, rng, cfg.tx_scale),
        "identity": sources.identity_table(people, cal, rng),
        "public_record": sources.public_record_table(people, spirals, cal, rng),
    }
    # Every family is generated, drawing the same random numbers, and only then left
    # out: the people, their records' other content and the truth stay the seed's own.
    tables = families.leave_out(tables, cfg.without)
    pd = truth.true_pd(people, shocks, spirals.person, spirals.start, spirals.last_event())
    ev_person, ev_month = spirals.events()
    outcome = truth.realised(n, cfg.months, ev_person, ev_month)
    m = cfg.months
    true_pd = pa.table(
        {
            "person_id": pa.array(np.repeat(people.person_id, m)),
            "as_of": pa.array(np.tile(cal.as_of(np.arange(m)), n), pa.date32()),
            "true_pd": pa.array(pd.ravel()),
            "bad_12m": pa.array(outcome.ravel() == 1, mask=outcome.ravel() < 0),
        }
    )
    protected = pa.table(
        {
            "person_id": pa.array(people.person_id),
            "sex": pa.array(SEXES[people.sex]),
            "age_band": pa.array(AGE_BANDS[people.age]),
            "region": pa.array(REGIONS[people.region]),
        }
    )
    traits = pa.table(
        {
            "person_id": pa.array(people.person_id),
            "monthly_income_cents": pa.array(people.income_cents),
            "income_stability": pa.array(people.stability),
            "discipline": pa.array(people.discipline),
            "leverage": pa.array(people.leverage),
            "shock_months": pa.array(shocks.sum(axis=1).astype(np.int64)),
        }
    )
    return {
        "tables": tables,
        "true_pd": true_pd,
        "protected": protected,
        "traits": traits,
        "rng": rng,
    }


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(
        path, lambda target: pq.write_table(table, target, compression="zstd"), "truth"
    )


def _by_source(table: pa.Table) -> list[tuple[str, pa.Table]]:
    src = table.column("source_id")
    return [(s, table.filter(pc.equal(src, s))) for s in sorted(set(src.unique().to_pylist()))]


def simulate(
    cfg: SimConfig,
    lake: Lake,
    truth_dir: Path,
    *,
    progress: Count | None = None,
    bad_dir: Path | None = None,
) -> SimReport:
    """Simulate ``cfg.people`` people into ``lake``; truth and protected go to ``truth_dir``."""
    cfg.check()
    t0 = time.perf_counter()
    report = SimReport(config=cfg, truth_dir=str(truth_dir))
    bad_dir = bad_dir or truth_dir.parent / "simulated-bad" / f"seed={cfg.seed}"
    if bad_dir.exists():
        for old in bad_dir.rglob("*.csv"):
            old.unlink()
    pd_sum, pd_n = 0.0, 0
    with lake.writer() as writer:
        report.bulk = not any(lake.has_sources(k, SIM_SOURCES) for k in sc.KINDS)
        chunks = range(0, cfg.people, cfg.chunk)
        for index, first in enumerate(chunks):
            n = min(cfg.chunk, cfg.people - first)
            tg = time.perf_counter()
            chunk = generate_chunk(cfg, index, first, n)
            tw = time.perf_counter()
            report.seconds_generate += tw - tg
            # A chunk is many seconds of work: report its people as its steps get done
            # (generated, each kind written, committed), so a bar moves within the chunk.
            steps = 2 + len(chunk["tables"])
            if progress:
                progress(first + n // steps, cfg.people)
            name = f"seed={cfg.seed}/part-{index:05d}.parquet"
            for what in ("true_pd", "protected", "traits"):
                _write_atomic(chunk[what], truth_dir / what / name)
            pd_col = chunk["true_pd"].column("true_pd")
            pd_sum += pc.sum(pd_col).as_py()
            pd_n += len(pd_col)
            for written, (kind, table) in enumerate(chunk["tables"].items(), start=2):
                report.records[kind] += table.num_rows
                for source, part in _by_source(table):
                    ingest_table(
                        part,
                        source=source,
                        kind=kind,
                        writer=writer,
                        dedup=not report.bulk,
                        label=f"simulate:{kind}",
                    )
                _inject_bad(cfg, kind, table, chunk["rng"], bad_dir, report)
                del table
                if progress:
                    progress(first + n * written // steps, cfg.people)
            counts = writer.commit()
            report.accepted += counts.accepted
            report.duplicate += counts.duplicate
            report.superseded += counts.superseded
            report.quarantined += counts.quarantined
            report.seconds_write += time.perf_counter() - tw
            if progress:
                progress(first + n, cfg.people)
    # Bad copies go through the real file ingest, after the good records are committed.
    if bad_dir.exists():
        for folder in sorted(p for p in bad_dir.glob("*/*") if p.is_dir()):
            if any(folder.glob("*.csv")):
                r = ingest_path(folder, source=folder.parent.name, kind=folder.name, lake=lake)
                report.bad_ingest.append(r)
    report.mean_true_pd = pd_sum / max(pd_n, 1)
    report.seconds_total = time.perf_counter() - t0
    meta = {
        "config": asdict(cfg),
        "mean_true_pd": report.mean_true_pd,
        "records": dict(report.records),
        "bad_injected": dict(report.bad_injected),
    }
    (truth_dir / f"meta-seed={cfg.seed}.json").write_text(json.dumps(meta, indent=2))
    return report


def _inject_bad(
    cfg: SimConfig,
    kind: str,
    table: pa.Table,
    rng: np.random.Generator,
    bad_dir: Path,
    report: SimReport,
) -> None:
    if cfg.bad_share <= 0 or table.num_rows == 0:
        return
    k = int(rng.binomial(table.num_rows, cfg.bad_share))
    if k == 0:
        return
    rows = np.sort(rng.choice(table.num_rows, size=k, replace=False))
    bad, dupes, counts = corrupt(kind, table.take(pa.array(rows)), rng)
    report.bad_injected.update(counts)
    # One file per source and kind, appended chunk after chunk: one ingest commit each.
    for source, part in _by_source(pa.concat_tables([bad, dupes])):
        out = bad_dir / source / kind / "bad.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("ab") as fh:
            header = fh.tell() == 0
            pacsv.write_csv(part, fh, pacsv.WriteOptions(include_header=header))
