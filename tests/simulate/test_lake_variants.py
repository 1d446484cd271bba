"""Lakes like other processes': another reporting lag."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from credo.data import schemas as sc
from credo.data.lake import Lake
from credo.errors import ConfigError
from credo.simulate.population import SimConfig, simulate
from tests.cli import invoke

BASE = {"people": 400, "months": 24, "seed": 11, "chunk": 400, "bad_share": 0.0}
TRUTH = ("true_pd", "protected", "traits")


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


def truth(root: Path, what: str) -> pa.Table:
    return pq.read_table(sorted((root / "truth" / what).rglob("*.parquet")), partitioning=None)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> tuple[Path, dict[str, pa.Table]]:
    root = run(tmp_path_factory.mktemp("full"))
    return root, records(root)


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
    for what in TRUTH:
        assert truth(root, what).equals(truth(full_root, what)), what


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
    for what in TRUTH:
        assert truth(tmp_path, what).equals(truth(full_root, what)), what


@pytest.mark.parametrize(
    "args,message",
    [
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
        ({"reporting_lag_days": 0}, "must be whole days from 46 to 365"),
        ({"reporting_lag_days": 50.5}, "--reporting-lag-days 50.5: must be whole days"),
        ({"reporting_lag_days": True}, "--reporting-lag-days True: must be whole days"),
        ({"reporting_lag_days": 46, "end_month": "2999-01"}, "about 46 days after"),
    ],
)
def test_a_bad_config_is_refused_by_name(changes, message) -> None:
    with pytest.raises(ConfigError, match=message):
        SimConfig(**{"people": 10, **changes}).check()
    SimConfig(people=10, reporting_lag_days=46).check()
    SimConfig(people=10, reporting_lag_days=365, end_month="2024-01").check()
