"""Row groups found by person id ranges: a person's rows from the groups that can hold
them, with a bounded number of parsed footers kept, and never an old file's footer."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credo.data import person_groups
from credo.data.person_groups import PersonGroups


def _write(path: Path, people: list[str], copies: int = 3) -> Path:
    ids = sorted(p for p in people for _ in range(copies))
    table = pa.table({"person_id": ids, "n": list(range(len(ids)))})
    pq.write_table(table, path, row_group_size=4)
    return path


def test_rows_come_from_the_groups_whatever_footers_are_kept(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(person_groups._FOOTERS, "size", 2)
    paths = [_write(tmp_path / f"{i}.parquet", [f"p{i}{j}" for j in range(5)])
             for i in range(4)]
    groups = PersonGroups.of(paths)
    assert groups.ordered and len(groups.where) > len(paths)
    for i in range(4):
        for j in range(5):
            found = pa.concat_tables(groups.rows(f"p{i}{j}"))
            assert found["person_id"].to_pylist() == [f"p{i}{j}"] * 3
        assert len(person_groups._FOOTERS.kept) <= 2
    assert groups.rows("nobody") == [] and groups.rows("p9") == []


def test_a_file_written_again_is_read_with_its_own_footer(tmp_path: Path):
    path = _write(tmp_path / "features.parquet", ["a", "b", "c"])
    before = PersonGroups.of([path])
    assert pa.concat_tables(before.rows("b"))["person_id"].to_pylist() == ["b"] * 3
    _write(path, ["a", "b", "c", "d", "e", "f"], copies=5)  # other groups, same path
    after = PersonGroups.of([path])
    assert pa.concat_tables(after.rows("e"))["n"].to_pylist() == [20, 21, 22, 23, 24]
    assert pa.concat_tables(after.rows("b"))["person_id"].to_pylist() == ["b"] * 5


def test_groups_out_of_person_order_are_each_checked(tmp_path: Path):
    first = _write(tmp_path / "1.parquet", ["m", "n"])
    second = _write(tmp_path / "2.parquet", ["a", "z"])
    groups = PersonGroups.of([first, second])
    assert not groups.ordered
    assert pa.concat_tables(groups.rows("a"))["person_id"].to_pylist() == ["a"] * 3
    assert pa.concat_tables(groups.rows("n"))["person_id"].to_pylist() == ["n"] * 3
