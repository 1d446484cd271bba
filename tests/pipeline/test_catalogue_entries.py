"""A feature is one catalogue entry: the pass it names computes it and nothing else
does, and its fill value is what a person without such records gets."""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa
import pytest

from credo.data.schemas import KINDS, LAKE_COLUMNS, record_schema
from credo.features import definitions as d
from credo.features.catalogue import CATALOGUE, FEATURE_NAMES
from credo.features.table import STATUS_COLUMN, feature_table

AS_OF = date(2025, 1, 1)


def _unbound_tables() -> dict[str, ibis.Table]:
    """The five record kinds as the lake reader hands them over, without data."""
    tables = {}
    for kind in KINDS:
        schema = record_schema(kind)
        extra = [pa.field(n, t) for n, t in LAKE_COLUMNS if n not in schema.names]
        tables[kind] = ibis.table(ibis.Schema.from_pyarrow(pa.schema([*schema, *extra])),
                                  name=kind)
    return tables


@pytest.mark.parametrize("computation", d.RECORD_PASSES, ids=lambda c: c.name)
def test_each_record_pass_computes_exactly_the_features_naming_it(computation):
    computed = {c for c in computation.per_person(_unbound_tables(), AS_OF).columns
                if not c.startswith("_") and c != "person_id"}
    declared = {f.name for f in CATALOGUE if f.computed_by is computation}
    assert computed == declared


def test_the_pass_across_kinds_computes_exactly_the_features_naming_it():
    tables = _unbound_tables()
    person = tables["account"].select("person_id")
    for computation in d.RECORD_PASSES:
        person = d.join_on_person(person, computation.per_person(tables, AS_OF))
    declared = {f.name for f in CATALOGUE if f.computed_by is d.ACROSS_KINDS}
    assert set(d.ACROSS_KINDS.compute(person)) == declared


def test_every_entry_names_a_pass_the_feature_table_runs():
    assert {f.computed_by for f in CATALOGUE} == {*d.RECORD_PASSES, d.ACROSS_KINDS}
    columns = feature_table(_unbound_tables(), AS_OF).columns
    assert list(columns) == ["person_id", *FEATURE_NAMES, STATUS_COLUMN]


def test_a_person_with_no_records_but_an_account_gets_each_features_fill_value():
    con = ibis.duckdb.connect()
    tables = {kind: ibis.memtable(pa.Table.from_pylist([], schema=t.schema().to_pyarrow()))
              for kind, t in _unbound_tables().items()}
    account = {name: None for name in tables["account"].columns}
    account.update(person_id="P1", account_id="A1", kind="utility", source_id="s",
                   record_id="r", opened_at=date(2024, 1, 1))
    tables["account"] = ibis.memtable(pa.Table.from_pylist(
        [account], schema=_unbound_tables()["account"].schema().to_pyarrow()))
    row = con.to_pyarrow(feature_table(tables, AS_OF)).to_pylist()[0]
    for spec in CATALOGUE:
        if spec.computed_by is d.ACCOUNTS:
            continue  # the one account is a record of this pass
        assert row[spec.name] == spec.fill, spec.name
        assert type(row[spec.name]) is type(spec.fill), spec.name
