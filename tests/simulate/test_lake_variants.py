"""Lakes like other processes': record families left out, another reporting lag."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from credo.data import schemas as sc
from credo.data.lake import Lake
from credo.errors import ConfigError
from credo.simulate.families import FAMILIES
from credo.simulate.population import SimConfig, simulate
from tests.cli import invoke

# Small, but with every family present: mortgages, charge-offs, judgments, ...
BASE = {"people": 400, "months": 24, "seed": 11, "chunk": 400, "bad_share": 0.0}
TRUTH = ("true_pd", "protected", "traits")
ACCOUNT_FAMILIES = {
    "mortgages": "mortgage",
    "bnpl": "bnpl",
    "utilities": "utility",
    "telecom": "telecom",
    "rent": "rent",
}


def run(root: Path, **changes) -> Path:
    simulate(SimConfig(**{**BASE, **changes}), Lake(root / "lake"), root / "truth")
    return root


def records(root: Path) -> dict[str, pa.Table]:
    """Every version of every record in the lake, record fields only, in a fixed order."""
    lake = Lake(root / "lake")
    out = {}
    for kind in sc.KINDS:
        t = lake.table(kind, history=True).to_pyarrow().select(sc.field_names(kind))
        out[kind] = t.sort_by([("record_id", "ascending"), ("reported_at", "ascending")])
    return out


def same(a: pa.Table, b: pa.Table) -> bool:
    """Equal names, rows and values (whether a column may hold nulls aside)."""
    return a.column_names == b.column_names and all(
        a.column(name).equals(b.column(name)) for name in a.column_names
    )


def assert_same_truth(root: Path, other: Path, *label: object) -> None:
    """Leaving records out never changes the people or their truth."""
    for what in TRUTH:
        assert truth(root, what).equals(truth(other, what)), (*label, what)


def truth(root: Path, what: str) -> pa.Table:
    return pq.read_table(sorted((root / "truth" / what).rglob("*.parquet")), partitioning=None)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> tuple[Path, dict[str, pa.Table]]:
    root = run(tmp_path_factory.mktemp("full"))
    return root, records(root)


def expected_without(family: str, lake: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The full lake's records as they read without ``family``, derived independently."""
    out = dict(lake)
    acc, st = lake["account"], lake["statement"]
    tx, ident = lake["transaction"], lake["identity"]
    if family in ACCOUNT_FAMILIES:
        kind = ACCOUNT_FAMILIES[family]
        gone = {r["account_id"] for r in acc.to_pylist() if r["kind"] == kind}
        assert gone, f"the full lake holds no {kind} account: the test proves nothing"
        out["account"] = acc.filter(pc.not_equal(acc["kind"], kind))
        keep = [r not in gone for r in st["account_id"].to_pylist()]
        out["statement"] = st.filter(pa.array(keep))
    elif family == "charge-offs":
        charged = pc.equal(st["status"], "charged_off")
        assert pc.any(charged).as_py()
        status = pc.if_else(charged, "delinquent", st["status"])
        out["statement"] = st.set_column(st.schema.get_field_index("status"), "status", status)
    elif family == "salary-tags":
        salary = pc.fill_null(pc.equal(tx["merchant_category"], "salary"), False)
        assert pc.any(salary).as_py()
        category = pc.if_else(salary, pa.scalar(None, pa.string()), tx["merchant_category"])
        at = tx.schema.get_field_index("merchant_category")
        out["transaction"] = tx.set_column(at, "merchant_category", category)
    elif family == "employment-checks":
        checked = pc.equal(ident["kind"], "employment_verified")
        assert pc.any(checked).as_py()
        out["identity"] = ident.filter(pc.invert(checked))
    elif family in ("public-records", "transactions"):
        kind = {"public-records": "public_record", "transactions": "transaction"}[family]
        assert lake[kind].num_rows
        out[kind] = lake[kind].slice(0, 0)
    else:
        raise AssertionError(f"no expectation written for family {family!r}")
    return out


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_family_left_out_changes_only_its_own_records(full, family, tmp_path) -> None:
    full_root, full_lake = full
    root = run(tmp_path, without=(family,))
    got, want = records(root), expected_without(family, full_lake)
    for kind in sc.KINDS:
        assert same(got[kind], want[kind]), (family, kind)
    # The same people with the same risk: the truth is the seed's, to the last bit.
    assert_same_truth(root, full_root, family)


def test_a_shorter_reporting_lag_moves_only_the_statements_report(full, tmp_path) -> None:
    """At the lowest lag allowed every payment is already made when its bill is reported."""
    full_root, full_lake = full
    root = run(tmp_path, reporting_lag_days=46)
    got = records(root)
    for kind in sc.KINDS:
        if kind != "statement":
            assert same(got[kind], full_lake[kind]), kind
    a, b = got["statement"], full_lake["statement"]
    assert same(a.drop_columns("reported_at"), b.drop_columns("reported_at"))
    shift = pc.subtract(b["reported_at"], a["reported_at"]).to_pylist()
    assert set(shift) == {timedelta(days=50 - 46)}
    assert Lake(root / "lake").quarantine().count().execute() == 0
    assert_same_truth(root, full_root)


def test_the_command_takes_a_reporting_lag(full, tmp_path, monkeypatch, capsys) -> None:
    full_root, _ = full
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    monkeypatch.delenv("CREDO_LAKE", raising=False)
    args = [f"--{k.replace('_', '-')}={v}" for k, v in BASE.items()]
    code, _, err = invoke(monkeypatch, capsys, "simulate", *args, "--reporting-lag-days", "60")
    assert code == 0, err
    st = Lake(tmp_path / "lake").table("statement").to_pyarrow()
    lag = pc.subtract(pc.cast(st["reported_at"], pa.date32()), st["period_end"])
    assert set(lag.to_pylist()) == {timedelta(days=60)}
    assert_same_truth(tmp_path, full_root)


def test_the_command_leaves_families_out(full, tmp_path, monkeypatch, capsys) -> None:
    """Every family out and another lag, as typed, on a small population: read back."""
    full_root, _ = full
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    monkeypatch.delenv("CREDO_LAKE", raising=False)
    args = [f"--{k.replace('_', '-')}={v}" for k, v in BASE.items() if k != "bad_share"]
    # Every family, asked in another order than their own: the report names them in theirs.
    without = sorted(FAMILIES, reverse=True)
    code, out, err = invoke(
        monkeypatch,
        capsys,
        "simulate",
        *args,
        "--bad-share",
        "0.02",
        *(a for name in without for a in ("--without", name)),
        "--reporting-lag-days",
        "60",
    )
    assert code == 0, err
    assert f"left out: {', '.join(FAMILIES)}" in out
    lake = Lake(tmp_path / "lake")
    acc = lake.table("account", history=True).to_pyarrow()
    st = lake.table("statement", history=True).to_pyarrow()
    ident = lake.table("identity", history=True).to_pyarrow()
    # Only cards and loans remain, and only their statements.
    assert set(acc["kind"].to_pylist()) == {"credit_card", "instalment_loan"}
    assert set(st["account_id"].to_pylist()) <= set(acc["account_id"].to_pylist())
    assert "charged_off" not in st["status"].to_pylist()
    assert pc.max(st["days_past_due"]).as_py() >= 90  # defaults still show, as delinquency
    assert "employment_verified" not in ident["kind"].to_pylist()
    assert {"id_verified", "phone_since", "address_since"} <= set(ident["kind"].to_pylist())
    for kind in ("transaction", "public_record"):
        assert lake.table(kind, history=True).count().execute() == 0
    lag = pc.subtract(pc.cast(st["reported_at"], pa.date32()), st["period_end"])
    assert set(lag.to_pylist()) == {timedelta(days=60)}
    # The deliberately bad copies are made from what is emitted: none brings a family back.
    quarantine = lake.quarantine().to_pyarrow()
    assert quarantine.num_rows > 0
    assert not {"transaction", "public_record"} & set(quarantine["kind"].to_pylist())
    for text in quarantine["record"].to_pylist():
        record = json.loads(text) if text.startswith("{") else {}
        left_out = (*ACCOUNT_FAMILIES.values(), "employment_verified")
        assert record.get("kind") not in left_out, text
        assert record.get("status") != "charged_off", text
    assert_same_truth(tmp_path, full_root)


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--without", "mortgage"],
            "--without 'mortgage': unknown record family; choose from " + ", ".join(FAMILIES),
        ),
        (["--without", "transactions", "--without", ""], "--without '': unknown record family"),
        (
            ["--reporting-lag-days", "-1"],
            "--reporting-lag-days -1: must be whole days from 46 to 365",
        ),
        (
            ["--reporting-lag-days", "45"],
            "--reporting-lag-days 45: must be whole days from 46 to 365",
        ),
        (
            ["--reporting-lag-days", "366"],
            "--reporting-lag-days 366: must be whole days from 46 to 365",
        ),
        (["--reporting-lag-days", "100000000"], "must be whole days from 46 to 365"),
    ],
)
def test_a_bad_option_is_one_line_before_any_work(
    args, message, tmp_path, monkeypatch, capsys
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("CREDO_HOME", str(home))
    monkeypatch.delenv("CREDO_LAKE", raising=False)
    code, out, err = invoke(monkeypatch, capsys, "simulate", "--people", "10", *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err and out == ""
    assert not home.exists() or not any(home.rglob("*"))  # nothing made


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"without": ("mortgages", "cards")}, "--without 'cards': unknown record family"),
        ({"without": "mortgages"}, "a list of family names"),
        ({"reporting_lag_days": 0}, "must be whole days from 46 to 365"),
        ({"reporting_lag_days": 50.5}, "--reporting-lag-days 50.5: must be whole days"),
        ({"reporting_lag_days": True}, "--reporting-lag-days True: must be whole days"),
        ({"reporting_lag_days": 46, "end_month": "2999-01"}, "about 46 days after"),
    ],
)
def test_a_bad_config_is_refused_by_name(changes, message) -> None:
    with pytest.raises(ConfigError, match=message):
        SimConfig(**{"people": 10, **changes}).check()
    SimConfig(people=10, without=tuple(FAMILIES), reporting_lag_days=46).check()
    SimConfig(people=10, reporting_lag_days=365, end_month="2024-01").check()
