"""Rescore one person now, as the monthly run would, leaving out disputed records.

Used when a dispute is resolved: the person's features are recomputed from the lake as
of the latest run's date, without the records under dispute or upheld, and scored with
the champion model. The result has the fields of a snapshot row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import ibis

from credo.config import Settings
from credo.data.lake import Lake
from credo.features.engines import DuckDBEngine
from credo.features.table import feature_table
from credo.layout import MANIFEST_FILE, champion_path, folder_date, run_dir, run_folders
from credo.pipeline.run import check_model_features, published_rows
from credo.pipeline.tables import Exclusions, lake_tables, normalise_features
from credo.scorecard import artifact
from credo.scorecard.fingerprint import data_fingerprint


def latest_run_date(settings: Settings) -> date | None:
    days = [folder_date(p) for p in run_folders(settings)]
    return max(days) if days else None


def rescore(person_id: str, settings: Settings | None = None, *,
            also_excluding: frozenset[tuple[str, str, str]] = frozenset(),
            ) -> dict[str, Any] | None:
    """The person's score as of the latest run, or None when there is no run yet.

    ``also_excluding``: further records, (kind, source_id, record_id), to leave out as
    if they were disputed: what upholding a dispute of them would give.
    """
    settings = settings or Settings.from_env()
    as_of = latest_run_date(settings)
    model_path = champion_path(settings)
    if as_of is None or not model_path.exists():
        return None
    model, document = artifact.load(model_path)
    excluded = Exclusions(_excluded(settings, person_id).keys | also_excluding)
    engine = DuckDBEngine(memory_limit="1GB")
    try:
        tables = lake_tables(Lake(settings.lake), engine, as_of, excluded)
        who = ibis.literal(person_id)
        mine = {kind: t.filter(t.person_id == who) for kind, t in tables.items()}
        features = normalise_features(engine.to_arrow(feature_table(mine, as_of)))
    finally:
        engine.close()
    if features.num_rows == 0:
        return None
    check_model_features(model, features.column_names)
    frame = features.to_pandas()
    row = published_rows(model, frame).iloc[0].to_dict()
    manifest = json.loads((run_dir(settings, as_of) / MANIFEST_FILE).read_text())
    fingerprint = data_fingerprint(frame, frame["person_id"].isna().to_numpy().astype("uint8"))
    row.update(
        as_of=as_of,
        model_id=document["model_id"],
        data_fingerprint=fingerprint,
        run_id="rescore-" + hashlib.sha256(
            f"{manifest['run_id']}|{fingerprint}|{sorted(excluded.keys)}".encode()
        ).hexdigest()[:14],
    )
    return {k: (None if v == "" else _plain(v)) for k, v in row.items()}


def _excluded(settings: Settings, person_id: str) -> Exclusions:
    from credo.store.exclusions import excluded_records_for

    return Exclusions(frozenset(excluded_records_for(settings.database, person_id)))


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as plain Python values (for JSON and SQL)."""
    if hasattr(value, "item"):
        return value.item()
    if value is not None and str(value) == "<NA>":
        return None
    return value

