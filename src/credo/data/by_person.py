"""The lake's records copied in person order, so one person's are a few rows to read.

The lake is laid out by the month a record was reported, which is what the monthly run
and the reads "as known at T" want; a person's records are then in every month's file of
every kind, a row group of 65,536 rows in each, and reading one person decodes dozens of
them (a third of a second on a 100,000-person lake). A person's own requests (the exact
what-if, the path to the next band) read exactly that.

The copy (written by :mod:`credo.data.by_person_writer`, ``credo lake --by-person``)
holds every record of the lake's files at one version in files ordered by person id, in
small row groups, under ``_by_person/`` in the lake, with a manifest naming the lake
files it copied. ``person_rows`` keeps each copied group's person id range and reads the
one or two groups that hold the person. It answers for a kind only while every file the
copy was made from is still in the lake: compaction replaces files, and then the copy is
not used for that kind until it is written again. Files the lake gained since are read
as well, so the copy never hides a record; it only stops being the fast way when the
lake has grown much, which is why the monthly cycle writes it again after the month's
records arrive.

The rows it gives are the files' rows as they are stored (every version, every month):
what a person's records *are* (known before T, latest version) is still decided by
``Lake.table`` over these rows, in one place.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from credo.data import schemas as sc
from credo.data.lake import Lake
from credo.data.person_groups import PersonGroups
from credo.errors import CredoError

COPY_DIR = "_by_person"
MANIFEST = "manifest.json"


def copies_dir(lake: Lake) -> Path:
    return lake.root / COPY_DIR


def copies(root: Path) -> list[Path]:
    """The complete copies, oldest first (names begin with the lake version and time)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists())


def read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(
        manifest.get("kinds"), dict) else None


@dataclass
class _Kind:
    sources: frozenset[str]
    copied: PersonGroups


@dataclass
class _Copy:
    path: Path
    kinds: dict[str, _Kind]  # none: a copy that cannot be used
    lake_version: int = -1  # the lake's version it was copied from


class _Reader:
    """The copies and lake files' row group ranges this process has read, per lake."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.copies: dict[Path, _Copy | None] = {}
        self.extra: dict[Path, PersonGroups] = {}  # a lake file not in the copy
        # Per lake version, kind and month: the lake files to read besides the copy,
        # or None when the copy no longer holds the kind's files.
        self.plans: dict[tuple[Path, Path, int, str, str | None], list[Path] | None] = {}

    def copy_of(self, lake: Lake) -> _Copy | None:
        found = copies(copies_dir(lake))
        newest = found[-1] if found else None
        with self.lock:
            kept = self.copies.get(lake.root)
            if kept is not None and newest is not None and kept.path == newest:
                return kept
        loaded = _load(newest) if newest is not None else None
        with self.lock:
            self.copies[lake.root] = loaded
        return loaded

    def unusable(self, lake: Lake, copy: _Copy) -> None:
        """Stop using ``copy`` (until a newer one is written)."""
        with self.lock:
            self.copies[lake.root] = _Copy(copy.path, {}, copy.lake_version)

    def plan(self, lake: Lake, copy: _Copy, kind: str, until_month: str | None
             ) -> list[Path] | None:
        state = lake.state()
        key = (lake.root, copy.path, state.version, kind, until_month)
        with self.lock:
            if key in self.plans:
                return self.plans[key]
        held = copy.kinds.get(kind)
        plan = None
        if held is not None and held.sources <= {e.path for e in state.of_kind(kind)}:
            plan = [lake.root / e.path for e in state.of_kind(kind, until_month)
                    if e.path not in held.sources]
        with self.lock:
            if len(self.plans) > 1024:
                self.plans.clear()
            self.plans[key] = plan
            if plan is not None and self.extra:  # forget files that left this lake
                present = {lake.root / path for path in state.files}
                self.extra = {p: g for p, g in self.extra.items()
                              if p in present or lake.root not in p.parents}
        return plan

    def lake_file(self, path: Path) -> PersonGroups:
        with self.lock:
            groups = self.extra.get(path)
        if groups is None:
            groups = PersonGroups.of([path], ordered=False)
            with self.lock:
                self.extra[path] = groups
        return groups


def _load(path: Path) -> _Copy:
    """A copy's manifest and its groups' ranges; a copy that cannot be read holds no
    kind (the lake is then read as if there were none, and it is not tried again)."""
    manifest = read_manifest(path)
    if manifest is None:
        return _Copy(path, {})
    try:
        kinds = {kind: _Kind(frozenset(entry["sources"]),
                             PersonGroups.of([path / f for f in entry["files"]], ordered=True))
                 for kind, entry in manifest["kinds"].items() if kind in sc.KINDS}
        return _Copy(path, kinds, int(manifest["lake_version"]))
    except (OSError, ValueError, KeyError, TypeError, CredoError, pa.ArrowException):
        return _Copy(path, {})


_READER = _Reader()


def person_rows(lake: Lake, kind: str, person_id: str, until_month: str | None = None
                ) -> pa.Table | None:
    """Every stored row of ``kind`` about ``person_id`` in the lake's current files
    (those of partitions up to ``until_month``, and the copy's of any month: a read as of
    T filters by the instant anyway), typed as the lake stores it; or None when no copy
    of the lake's files of that kind can be used."""
    copy = _READER.copy_of(lake)
    held = copy.kinds.get(kind) if copy is not None else None
    others = _READER.plan(lake, copy, kind, until_month) if held is not None else None
    if held is None or others is None:  # no usable copy, or a copied file left the lake
        return None
    schema = sc.lake_schema(kind)
    columns = schema.names
    try:
        parts = held.copied.rows(person_id, columns)
    except (OSError, pa.ArrowException):
        # Removed or damaged since it was opened (two newer copies were written, or
        # someone deleted it): the month files answer, until a newer copy is written.
        _READER.unusable(lake, copy)
        return None
    try:
        for path in others:
            parts.extend(_READER.lake_file(path).rows(person_id, columns))
    except (OSError, pa.ArrowException, CredoError):
        return None  # a lake file without ranges, or gone since: the usual read answers
    return pa.concat_tables([p.cast(schema) for p in parts]) if parts \
        else schema.empty_table()


@dataclass(frozen=True)
class CopyStatus:
    """How the newest copy stands against the lake (what ``credo lake`` tells)."""

    lake_version: int  # the copy's
    files_since: int  # lake files a person's read reads besides the copy
    not_held: list[str]  # kinds whose copied files left the lake: read the long way
    write_again: bool  # the lake has moved on since the copy


def status(lake: Lake) -> CopyStatus | None:
    """The newest copy's standing, or None when the lake has no usable copy."""
    copy = _READER.copy_of(lake)
    if copy is None or not copy.kinds:
        return None
    since, not_held = 0, []
    for kind in sc.KINDS:
        if kind not in copy.kinds:
            continue
        others = _READER.plan(lake, copy, kind, None)
        if others is None:
            not_held.append(kind)
        else:
            since += len(others)
    moved_on = copy.lake_version != lake.state().version
    return CopyStatus(copy.lake_version, since, not_held, bool(not_held) or moved_on)
