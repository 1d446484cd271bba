"""Rescore one person now, as the monthly run would, leaving out disputed records.

Used when a dispute is resolved: the person's features are recomputed from the lake as
of the latest run's date, without the records under dispute or upheld, and scored with
the champion model. The result has the fields of a snapshot row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import ibis

from credo.config import Settings
from credo.data.lake import Lake
from credo.features.engines import DuckDBEngine
from credo.features.table import feature_table
from credo.layout import MANIFEST_FILE, champion_path, folder_date, run_folders, snapshot_dir
from credo.pipeline.run import check_model_features, published_rows
from credo.pipeline.snapshot import Exclusions, lake_tables, normalise_features
from credo.scorecard import artifact
from credo.scorecard.fingerprint import data_fingerprint


def latest_run_date(settings: Settings) -> date | None:
    days = [folder_date(p) for p in run_folders(settings)]
    return max(days) if days else None


def rescore(person_id: str, settings: Settings | None = None, *,
            also_excluding: frozenset[tuple[str, str, str]] = frozenset(),
            as_of: date | None = None,
            ) -> dict[str, Any] | None:
    """The person's score as of the latest run (or ``as_of``), None when there is no run.

    ``also_excluding``: further records, (kind, source_id, record_id), to leave out as
    if they were disputed: what upholding a dispute of them would give.
    """
    scored = rescore_people([person_id], settings, also_excluding=also_excluding,
                            as_of=as_of)
    return scored.get(person_id)


def rescore_people(person_ids: Iterable[str], settings: Settings | None = None, *,
                   also_excluding: frozenset[tuple[str, str, str]] = frozenset(),
                   as_of: date | None = None) -> dict[str, dict[str, Any]]:
    """Scores of these people, as the monthly run as of ``as_of`` would publish them.

    ``as_of`` defaults to the latest run's date; a later one (records reported since)
    is allowed, never one before the first run. One pass over the lake for all of them:
    a source's push rescores its people together. People with no records are absent.
    """
    settings = settings or Settings.from_env()
    wanted = sorted(set(person_ids))
    latest = latest_run_date(settings)
    model_path = champion_path(settings)
    if not wanted or latest is None or not model_path.exists():
        return {}
    as_of = as_of or latest
    model, document = artifact.load(model_path)
    excluded = _excluded(settings, wanted)
    engine = DuckDBEngine(memory_limit="1GB")
    try:
        tables = lake_tables(Lake(settings.lake), engine, as_of,
                             Exclusions(frozenset().union(*excluded.values()) | also_excluding))
        who = ibis.literal(wanted[0]) if len(wanted) == 1 else None
        mine = {kind: t.filter(t.person_id == who if who is not None
                               else t.person_id.isin(wanted)) for kind, t in tables.items()}
        features = normalise_features(engine.to_arrow(feature_table(mine, as_of)))
    finally:
        engine.close()
    if features.num_rows == 0:
        return {}
    check_model_features(model, features.column_names)
    frame = features.to_pandas()
    rows = published_rows(model, frame)
    manifest = json.loads((snapshot_dir(settings, latest) / MANIFEST_FILE).read_text())
    scored = {}
    for i, person_id in enumerate(frame["person_id"]):
        one = frame.iloc[[i]]
        fingerprint = data_fingerprint(one, one["person_id"].isna().to_numpy().astype("uint8"))
        keys = sorted(excluded.get(person_id, frozenset()) | also_excluding)
        row = rows.iloc[i].to_dict()
        row.update(
            as_of=as_of,
            model_id=document["model_id"],
            data_fingerprint=fingerprint,
            run_id="rescore-" + hashlib.sha256(
                f"{manifest['run_id']}|{as_of}|{fingerprint}|{keys}".encode()
            ).hexdigest()[:14],
        )
        scored[str(person_id)] = {k: (None if v == "" else _plain(v)) for k, v in row.items()}
    return scored


def _excluded(settings: Settings, person_ids: list[str]
              ) -> dict[str, frozenset[tuple[str, str, str]]]:
    """The records under dispute (or upheld) of each of these people."""
    from credo.store.exclusions import excluded_records_by_person

    return excluded_records_by_person(settings.database, person_ids)


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as plain Python values (for JSON and SQL)."""
    if hasattr(value, "item"):
        return value.item()
    if value is not None and str(value) == "<NA>":
        return None
    return value

