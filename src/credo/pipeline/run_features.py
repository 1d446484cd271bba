"""A person's row of the run's feature table, where it is what a what-if would compute
for them now: their outcome as they are then costs a row group's read instead of an
execution of the feature query (two thirds of a person's first request).

A run's features of a person follow from the lake's record files up to the run's month,
the records of theirs it left out (disputed ones) and credo's definitions. The run's
manifest holds a digest of these with the model (:func:`credo.pipeline.inputs.run_inputs`)
and the keys of the records it left out. The row is taken only while:

- the champion is the run's model;
- the same digest computed now, over the lake's files and with the run's left-out
  records, is the run's: no file up to that month came or went since, and credo's
  definitions are the same version;
- among the person's records, those left out now are those the run left out.

Otherwise, and where the run's files cannot be read, the what-if computes the row itself;
either way the answer is the run's (the what-if parity test holds one to the other).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from credo.config import Settings
from credo.data.lake import Lake
from credo.data.person_groups import PersonGroups
from credo.errors import CredoError
from credo.layout import MANIFEST_FILE, features_path, run_dir
from credo.pipeline.inputs import run_inputs
from credo.pipeline.tables import Exclusions
from credo.store.exclusions import RecordKey


@dataclass(frozen=True)
class _Run:
    inputs: str
    model_id: str
    excluded: frozenset[RecordKey]
    features: PersonGroups


class _Runs:
    """The runs' manifests and feature files' row groups this process has read (each
    kept until either file changes), and whether a run's inputs still hold per lake
    version."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[Path, tuple[tuple[int, ...], _Run | None]] = {}
        self.holding: dict[tuple[Path, int, str], bool] = {}

    def run(self, settings: Settings, as_of: date) -> _Run | None:
        manifest, features = run_dir(settings, as_of) / MANIFEST_FILE, features_path(
            settings, as_of)
        try:
            stats = [manifest.stat(), features.stat()]
        except OSError:
            return None
        stamp = tuple(v for st in stats for v in (st.st_mtime_ns, st.st_size))
        with self.lock:
            kept = self.runs.get(manifest)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        run = _load(manifest, features)
        with self.lock:
            self.runs[manifest] = (stamp, run)
        return run

    def inputs_hold(self, lake: Lake, as_of: date, run: _Run) -> bool:
        key = (lake.root, lake.state().version, run.inputs)
        with self.lock:
            if key in self.holding:
                return self.holding[key]
        holds = run_inputs(lake, as_of, run.model_id, Exclusions(run.excluded)) == run.inputs
        with self.lock:
            if len(self.holding) > 256:
                self.holding.clear()
            self.holding[key] = holds
        return holds


def _load(manifest: Path, features: Path) -> _Run | None:
    """The run's manifest and feature file; None for a run written before manifests
    listed the records left out, or files that cannot be read."""
    try:
        document = json.loads(manifest.read_text())
        excluded = frozenset((str(k), str(s), str(r)) for k, s, r in document["excluded"])
        return _Run(str(document["inputs"]), str(document["model_id"]), excluded,
                    PersonGroups.of([features]))
    except (OSError, ValueError, KeyError, TypeError, CredoError, pa.ArrowException):
        return None


_RUNS = _Runs()


@dataclass(frozen=True)
class RunRow:
    """The person's row of a run's features, read; :meth:`holds` says whether it is
    theirs now (the row is read beside their records, which the checks need)."""

    as_of: date
    run: _Run
    row: pa.Table

    def holds(self, lake: Lake, records: frozenset[RecordKey],
              excluded: frozenset[RecordKey]) -> pa.Table | None:
        """The row, where it is what ``records`` (every one of the person's known before
        the run's date), with ``excluded`` left out, give; otherwise None."""
        if self.run.excluded & records != excluded & records:
            return None
        if not _RUNS.inputs_hold(lake, self.as_of, self.run):
            return None
        return self.row


def run_row(settings: Settings, as_of: date, model_id: str, person_id: str,
            columns: list[str] | None = None) -> RunRow | None:
    """The person's row (its ``columns``, or all) of the run as of ``as_of``, when the
    run's model is ``model_id`` and its files can be read."""
    run = _RUNS.run(settings, as_of)
    if run is None or run.model_id != model_id:
        return None
    try:
        parts = run.features.rows(person_id, columns)
    except (OSError, KeyError, pa.ArrowException):  # replaced since it was opened
        return None
    rows = pa.concat_tables(parts) if parts else None
    return RunRow(as_of, run, rows) if rows is not None and rows.num_rows == 1 else None


def run_features(settings: Settings, lake: Lake, as_of: date, model_id: str,
                 person_id: str, records: frozenset[RecordKey],
                 excluded: frozenset[RecordKey], columns: list[str] | None = None
                 ) -> pa.Table | None:
    """The person's row of the run's features as of ``as_of`` (its ``columns``, or all),
    or None where the run's row may not be what their ``records`` (every one known
    before ``as_of``), with ``excluded`` left out, give under the model ``model_id``."""
    found = run_row(settings, as_of, model_id, person_id, columns)
    return found.holds(lake, records, excluded) if found is not None else None
