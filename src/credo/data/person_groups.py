"""Parquet files whose row groups each hold a range of person ids: one person's rows are
read from the one or two groups that can hold them, decoding nothing else.

The lake's copy in person order (:mod:`credo.data.by_person`) and a run's feature table
are such files; each group's range comes from its person_id statistics, read once with
the footers.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.errors import CredoError


def group_ranges(metadata: pq.FileMetaData) -> list[tuple[str, str]]:
    index = metadata.schema.to_arrow_schema().get_field_index("person_id")
    ranges = []
    for g in range(metadata.num_row_groups):
        stats = metadata.row_group(g).column(index).statistics
        if stats is None or not stats.has_min_max:
            raise CredoError("a file has no person id range for a row group")
        ranges.append((stats.min, stats.max))
    return ranges


# Parsed footers kept per process, most recently read first: parsing one again costs
# more than the row group read with it (0.6 ms against 1.1 for a copy's file of 32
# groups), but one takes about 0.4 MB of memory, so all of a large lake's would not fit
# (90 MB for 100,000 people, ten times that for a million). This many bound it.
FOOTERS_KEPT = 64


class _Footers:
    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.kept: OrderedDict[tuple[int, int], pq.FileMetaData] = OrderedDict()

    def get(self, key: tuple[int, int], path: Path) -> pq.FileMetaData:
        with self.lock:
            footer = self.kept.get(key)
            if footer is not None:
                self.kept.move_to_end(key)
                return footer
        footer = pq.read_metadata(path)
        self.put(key, footer)
        return footer

    def put(self, key: tuple[int, int], footer: pq.FileMetaData) -> None:
        with self.lock:
            self.kept[key] = footer
            self.kept.move_to_end(key)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)


_FOOTERS = _Footers(FOOTERS_KEPT)
_TOKENS = itertools.count()


@dataclass
class PersonGroups:
    """The row groups of some files with their person id ranges (in person order when
    ``ordered``: across the files, each group's ids after the previous one's)."""

    paths: list[Path]
    where: list[tuple[int, int]]  # (file, group) per group
    firsts: list[str]
    lasts: list[str]
    ordered: bool
    # Names this reading of the files among the kept footers: a file written again
    # under the same path is read as a new PersonGroups, never with an old footer.
    token: int

    @classmethod
    def of(cls, paths: list[Path], *, ordered: bool | None = None) -> PersonGroups:
        """The groups of ``paths``; ``ordered`` as their writer checked it, or None to
        check the ranges read."""
        token = next(_TOKENS)
        where, firsts, lasts = [], [], []
        for i, path in enumerate(paths):  # one footer at a time: the kept ones are bounded
            footer = pq.read_metadata(path)
            for g, (first, last) in enumerate(group_ranges(footer)):
                where.append((i, g))
                firsts.append(first)
                lasts.append(last)
            _FOOTERS.put((token, i), footer)
        if ordered is None:
            ordered = all(first <= last for first, last in zip(firsts, lasts, strict=True)) \
                and all(last <= first for last, first in zip(lasts, firsts[1:], strict=False))
        return cls(paths, where, firsts, lasts, ordered, token)

    def rows(self, person_id: str, columns: list[str] | None = None) -> list[pa.Table]:
        if self.ordered:  # the groups that can hold the person are contiguous
            lo = bisect_left(self.lasts, person_id)
            hi = bisect_right(self.firsts, person_id)
            held = range(lo, max(lo, hi))
        else:
            held = range(len(self.where))
        out = []
        for i in held:
            if self.firsts[i] <= person_id <= self.lasts[i]:
                f, g = self.where[i]
                footer = _FOOTERS.get((self.token, f), self.paths[f])
                out.append(read_group(self.paths[f], footer, g, person_id, columns))
        return out


def read_group(path: Path, footer: pq.FileMetaData, group: int, person_id: str,
               columns: list[str] | None) -> pa.Table:
    # A file object per read (reads from many threads share nothing but the footer).
    rows = pq.ParquetFile(path, metadata=footer).read_row_group(group, columns=columns)
    return rows.filter(pc.equal(rows["person_id"], person_id))
