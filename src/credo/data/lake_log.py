"""The lake's commit log, and where the files it names are laid out.

``_log/00000001.json``: one file per commit, the only source of truth. Each names the
files it adds and removes; replaying them in order gives the committed state. A commit
is written whole (temporary file + fsync + rename) after its files are in place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from credo.data import schemas as sc
from credo.data.quarantine import QUARANTINE
from credo.errors import CredoError

LOG_DIGITS = 8


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the lake root
    kind: str
    partition: str  # YYYY-MM
    rows: int
    bytes: int
    sources: dict[str, int]
    batch: str


@dataclass
class LakeState:
    """The lake as committed: the log's version and the files it holds."""

    version: int
    files: dict[str, FileEntry] = field(default_factory=dict)
    # Files that may hold a later version of a record stored before: those added by a
    # commit that superseded records (or of unknown counts), and what compaction made of
    # them. Every other file holds records new to the lake, once each, so a record with
    # several versions always has one in a file named here.
    versioned: set[str] = field(default_factory=set)
    # A kind's files up to a month, found once per state: a person's read asks a dozen
    # times, and a state is not changed once replayed.
    _of_kind: dict[tuple[str, str | None], list[FileEntry]] = field(
        default_factory=dict, repr=False, compare=False)

    def of_kind(self, kind: str, until_month: str | None = None,
                sources: set[str] | None = None) -> list[FileEntry]:
        """The files of ``kind`` (up to that month's partition; with ``sources``, only
        those that may hold a record of them: a file whose sources the log does not
        name may hold anyone's)."""
        if sources is None:
            key = (kind, until_month)
            if key not in self._of_kind:
                self._of_kind[key] = self._files_of_kind(kind, until_month, None)
            return list(self._of_kind[key])
        return self._files_of_kind(kind, until_month, sources)

    def _files_of_kind(self, kind: str, until_month: str | None,
                       sources: set[str] | None) -> list[FileEntry]:
        out = [f for f in self.files.values() if f.kind == kind]
        if until_month is not None:
            out = [f for f in out if f.partition <= until_month]
        if sources is not None:
            out = [f for f in out if not f.sources or not sources.isdisjoint(f.sources)]
        return sorted(out, key=lambda f: f.path)

    def versioned_of_kind(self, kind: str, until_month: str | None = None) -> list[FileEntry]:
        """The files of ``kind`` that may hold a later version of a stored record."""
        return [f for f in self.of_kind(kind, until_month) if f.path in self.versioned]


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def month_of(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def partition_dir(kind: str, partition: str) -> Path:
    """The folder, relative to the lake root, of a partition's files."""
    if kind == QUARANTINE:
        return Path(QUARANTINE) / f"ingest_month={partition}"
    return Path(f"kind={kind}") / f"{sc.PARTITION_COLUMN}={partition}"


def log_names(log_dir: Path) -> list[str]:
    """The commits' file names, in order (a temporary or foreign file is never one)."""
    if not log_dir.is_dir():
        return []
    names = (p.name for p in log_dir.iterdir())
    return sorted(
        n for n in names
        if n.endswith(".json") and n[:-5].isdigit() and len(n) == LOG_DIGITS + 5
    )


def replay(log_dir: Path, names: Sequence[str], since: LakeState | None = None
           ) -> LakeState:
    """The committed state after the commits ``names``, in order, applied to ``since``
    (left unchanged; None: the empty lake)."""
    state = (LakeState(version=0) if since is None
             else LakeState(since.version, dict(since.files), set(since.versioned)))
    for name in names:
        entry = json.loads((log_dir / name).read_text())
        removed = entry.get("remove", [])
        versioned = _adds_versions(entry) or any(p in state.versioned for p in removed)
        for path in removed:
            state.files.pop(path, None)
            state.versioned.discard(path)
        for f in entry.get("add", []):
            state.files[f["path"]] = FileEntry(**f)
            if versioned:
                state.versioned.add(f["path"])
        state.version = int(name[:-5])
    return state


def _adds_versions(entry: dict[str, Any]) -> bool:
    """Whether a commit's own files may hold new versions of stored records: an append
    that superseded some, or a commit whose counts are unknown (assumed so, to be safe).
    Compaction only moves records: its files carry the flag of the files it merged."""
    if entry.get("operation") == "compact":
        return False
    superseded = entry.get("counts", {}).get("superseded")
    return superseded is None or superseded > 0


def write_commit(log_dir: Path, version: int, entry: dict[str, Any]) -> None:
    """Write commit ``version`` whole: a temporary file, fsynced, then renamed into place
    (and the folder fsynced), so a reader sees all of it or none."""
    entry["version"] = version
    entry["committed_at"] = datetime.now(UTC).isoformat()
    tmp = log_dir / f".tmp-{entry['txn']}"
    with tmp.open("w") as fh:
        json.dump(entry, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    final = log_dir / f"{version:0{LOG_DIGITS}d}.json"
    if final.exists():  # impossible under the lock; refuse rather than overwrite
        raise CredoError(f"commit {final.name} already exists; is a second writer running?")
    tmp.replace(final)
    fsync_path(log_dir)
