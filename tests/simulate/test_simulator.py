"""The simulator: deterministic, truth and protected attributes apart, outcomes honest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from credo.data import schemas as sc
from credo.data.lake import Lake
from credo.simulate.population import SimConfig, simulate

PEOPLE, MONTHS = 3000, 30
PROTECTED = {"sex", "age_band", "region"}
LATENT = {
    "true_pd",
    "bad_12m",
    "discipline",
    "leverage",
    "income_stability",
    "monthly_income_cents",
    "shock_months",
}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sim")
    cfg = SimConfig(people=PEOPLE, months=MONTHS, seed=7, chunk=1500, bad_share=0.002)
    lake = Lake(root / "lake")
    report = simulate(cfg, lake, root / "truth")
    return root, lake, report


def truth(root: Path, what: str):
    return pq.read_table(sorted((root / "truth" / what).rglob("*.parquet")), partitioning=None)


def test_everything_generated_is_accepted(sim) -> None:
    _, lake, report = sim
    assert report.bulk and report.accepted == report.total_records
    assert set(report.records) == set(sc.KINDS) and all(report.records.values())
    counts = {k: lake.table(k).count().execute() for k in sc.KINDS}
    # Accounts are reported twice when closed (a new version), the rest once.
    assert counts["statement"] == report.records["statement"]
    assert counts["account"] < report.records["account"]


def test_bad_records_land_in_quarantine(sim) -> None:
    _, lake, report = sim
    injected = sum(report.bad_injected.values())
    dupes = report.bad_injected["exact duplicate"]
    assert injected > 50
    assert sum(r.quarantined for r in report.bad_ingest) == injected - dupes
    assert sum(r.duplicate for r in report.bad_ingest) == dupes
    assert sum(r.accepted + r.superseded for r in report.bad_ingest) == 0
    q = lake.quarantine().to_pyarrow()
    assert q.num_rows == injected - dupes
    assert pc.min(q.column("reason_count")).as_py() >= 1


def test_truth_and_protected_never_enter_the_lake(sim) -> None:
    root, lake, _ = sim
    assert not (root / "truth").is_relative_to(lake.root)
    for f in lake.root.rglob("*.parquet"):
        names = set(pq.read_schema(f).names)
        assert not names & (PROTECTED | LATENT), f
    for kind in sc.KINDS:
        assert set(lake.table(kind).columns) <= set(sc.lake_schema(kind).names)
    protected = truth(root, "protected")
    assert set(protected.column_names) == {"person_id", *PROTECTED}
    assert protected.num_rows == PEOPLE
    pd = truth(root, "true_pd")
    assert pd.num_rows == PEOPLE * MONTHS
    assert set(pd.column_names) == {"person_id", "as_of", "true_pd", "bad_12m"}


def _outcome_from_records(lake: Lake, as_of: date) -> dict[str, bool]:
    """The training label, computed only from what sources reported."""
    end = date(as_of.year + 1, as_of.month, 1)
    st = lake.table("statement")
    hit = st.filter(
        (st.period_end >= as_of)
        & (st.period_end < end)
        & ((st.days_past_due >= 90) | (st.status == "charged_off"))
    )
    pr = lake.table("public_record")
    legal = pr.filter(
        pr.kind.isin(["court_judgment", "bankruptcy"])
        & (pr.occurred_at.date() >= as_of)
        & (pr.occurred_at.date() < end)
    )
    people = set(hit.person_id.to_pyarrow().to_pylist()) | set(
        legal.person_id.to_pyarrow().to_pylist()
    )
    return dict.fromkeys(people, True)


@pytest.mark.parametrize("month_index", [3, 10, 17])
def test_records_produce_the_outcome_at_the_true_rate(sim, month_index: int) -> None:
    root, lake, _ = sim
    pd = truth(root, "true_pd").to_pandas()
    as_ofs = sorted(pd["as_of"].unique())
    as_of = as_ofs[month_index]
    at = pd[pd["as_of"] == as_of]
    bad = _outcome_from_records(lake, as_of)
    from_records = at["person_id"].map(lambda p: bad.get(p, False)).to_numpy()
    # The realised outcome in the truth is exactly what the records show ...
    assert (from_records == at["bad_12m"].to_numpy(dtype=bool)).all()
    # ... and it happens at the rate the true PD says.
    rate, mean_pd = from_records.mean(), at["true_pd"].mean()
    se = np.sqrt(mean_pd * (1 - mean_pd) / len(at))
    assert 0.02 < mean_pd < 0.2
    assert abs(rate - mean_pd) < 4 * se, (rate, mean_pd)


def test_true_pd_is_informative_and_protected_effect_weak(sim) -> None:
    from sklearn.metrics import roc_auc_score

    root, _, _ = sim
    pd = truth(root, "true_pd").to_pandas()
    known = pd[pd["bad_12m"].notna()]
    auc = roc_auc_score(known["bad_12m"].astype(bool), known["true_pd"])
    assert auc > 0.75
    prot = truth(root, "protected").to_pandas()
    by = known.merge(prot, on="person_id").groupby("sex")["true_pd"].mean()
    assert abs(by["female"] - by["male"]) < 0.02


def test_same_seed_same_population(tmp_path: Path) -> None:
    cfg = SimConfig(people=400, months=12, seed=3, chunk=250, bad_share=0.01)
    lakes = []
    for name in ("a", "b"):
        lake = Lake(tmp_path / name / "lake")
        simulate(cfg, lake, tmp_path / name / "truth")
        lakes.append(lake)
    for kind in (*sc.KINDS, "quarantine"):
        drop = {"_batch", "_ingested_at", "quarantined_at"}
        a, b = (
            lk.table(kind, history=True) if kind != "quarantine" else lk.quarantine()
            for lk in lakes
        )
        cols = [c for c in a.columns if c not in drop]
        ta, tb = (t.select(cols).to_pyarrow() for t in (a, b))
        key = [(c, "ascending") for c in cols if c not in ("file", "row")]
        assert ta.sort_by(key).equals(tb.sort_by(key)), kind
    for what in ("true_pd", "protected", "traits"):
        assert truth(tmp_path / "a", what).equals(truth(tmp_path / "b", what))
    other = simulate(
        SimConfig(people=400, months=12, seed=4, chunk=250, bad_share=0),
        Lake(tmp_path / "c" / "lake"),
        tmp_path / "c" / "truth",
    )
    assert other.total_records != sum(lakes[0].table(k).count().execute() for k in sc.KINDS)


def test_rerunning_a_simulation_adds_nothing(tmp_path: Path) -> None:
    cfg = SimConfig(people=300, months=12, seed=5, chunk=300, bad_share=0.01)
    lake = Lake(tmp_path / "lake")
    simulate(cfg, lake, tmp_path / "truth")
    files = sorted(lake.state().files)
    again = simulate(cfg, lake, tmp_path / "truth")
    assert not again.bulk
    assert (again.accepted, again.superseded) == (0, 0)
    assert again.duplicate == again.total_records
    assert sorted(lake.state().files) == files


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"people": 0}, "must be positive"),
        ({"months": -1}, "must be positive"),
        ({"months": 121}, "at most 120"),
        ({"bad_share": 0.5}, r"--bad-share must be in \[0, 0.5\)"),
        ({"end_month": "2025-13"}, "use YYYY-MM"),
        ({"end_month": "1905-01", "months": 100}, "starts before 1900-01"),
        ({"end_month": "2999-01"}, "would be reported after today"),
    ],
)
def test_an_impossible_simulation_is_refused_by_name(changes, message) -> None:
    from credo.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        SimConfig(**{"people": 10, **changes}).check()


def test_the_latest_end_month_allowed_has_every_record_reported_by_today(tmp_path) -> None:
    """The bound on --end is exact: its month's last statements arrive by today."""
    from credo.errors import ConfigError

    today = np.datetime64(date.today(), "D")
    months = np.arange(today.astype("datetime64[M]") - 4, today.astype("datetime64[M]") + 1)
    allowed = []
    for month in months:
        try:
            SimConfig(people=10, months=2, end_month=str(month)).check()
            allowed.append(month)
        except ConfigError:
            pass
    latest = max(allowed)
    assert (latest + 1).astype("datetime64[D]") + 51 <= today  # its statements are in
    assert (latest + 2).astype("datetime64[D]") + 51 > today  # the next month's are not
    report = simulate(
        SimConfig(people=30, months=2, end_month=str(latest), bad_share=0.0),
        Lake(tmp_path / "lake"),
        truth_dir=tmp_path / "truth",
    )
    assert report.quarantined == 0 and report.accepted > 0
