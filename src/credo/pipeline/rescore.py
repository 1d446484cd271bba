"""Rescore people now, as the monthly run would, leaving out disputed records.

Used when a dispute is resolved and when a source's push reaches the lake: the people's
features are recomputed from the lake as of the latest run's date (or a later day, for
records reported since), without the records under dispute or upheld, and scored with
the champion model. Each result has the fields of a snapshot row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import pandas as pd

from credo.config import Settings
from credo.data.lake import Lake
from credo.features.engines import DuckDBEngine
from credo.features.table import feature_table
from credo.layout import MANIFEST_FILE, champion_path, folder_date, run_dir, run_folders
from credo.pipeline.run import check_model_features, published_rows
from credo.pipeline.tables import Exclusions, lake_tables, normalise_features
from credo.scorecard import artifact
from credo.scorecard.explain import explain_one
from credo.scorecard.fingerprint import data_fingerprint
from credo.scorecard.model import Scorecard

RecordKey = tuple[str, str, str]  # (kind, source_id, record_id)


def latest_run_date(settings: Settings) -> date | None:
    days = [folder_date(p) for p in run_folders(settings)]
    return max(days) if days else None


@dataclass(frozen=True)
class PeopleFeatures:
    """People's features as of a day, and the champion that scores them."""

    as_of: date
    latest_run: date
    model: Scorecard
    document: dict[str, Any]
    frame: pd.DataFrame  # one row per person with records
    excluded: dict[str, frozenset[RecordKey]]  # each person's records left out


def people_features(person_ids: Iterable[str], settings: Settings, *,
                    also_excluding: frozenset[RecordKey] = frozenset(),
                    as_of: date | None = None) -> PeopleFeatures | None:
    """These people's features as the monthly run computes them, as of the latest run
    (or ``as_of``, a later day), without their disputed records; one read of the lake
    for all of them (None: no run, no champion, or nobody with records)."""
    wanted = sorted(set(person_ids))
    latest = latest_run_date(settings)
    model_path = champion_path(settings)
    if not wanted or latest is None or not model_path.exists():
        return None
    as_of = as_of or latest
    model, document = artifact.load(model_path)
    excluded = _excluded(settings, wanted)
    left_out = frozenset().union(*excluded.values()) | also_excluding
    engine = DuckDBEngine(memory_limit="1GB")
    try:
        tables = lake_tables(Lake(settings.lake), engine, as_of, Exclusions(left_out))
        if len(wanted) == 1:
            who = ibis.literal(wanted[0])
            mine = {kind: t.filter(t.person_id == who) for kind, t in tables.items()}
        else:
            mine = {kind: t.filter(t.person_id.isin(wanted)) for kind, t in tables.items()}
        features = normalise_features(engine.to_arrow(feature_table(mine, as_of)))
    finally:
        engine.close()
    if features.num_rows == 0:
        return None
    check_model_features(model, features.column_names)
    return PeopleFeatures(as_of, latest, model, document, features.to_pandas(),
                          {p: excluded.get(p, frozenset()) | also_excluding
                           for p in wanted})


def rescore(person_id: str, settings: Settings | None = None, *,
            also_excluding: frozenset[RecordKey] = frozenset(),
            as_of: date | None = None) -> dict[str, Any] | None:
    """The person's score as of the latest run (or ``as_of``), None when there is none.

    ``also_excluding``: further records, (kind, source_id, record_id), to leave out as
    if they were disputed: what upholding a dispute of them would give.
    """
    scored = rescore_people([person_id], settings, also_excluding=also_excluding,
                            as_of=as_of)
    return scored.get(person_id)


def rescore_people(person_ids: Iterable[str], settings: Settings | None = None, *,
                   also_excluding: frozenset[RecordKey] = frozenset(),
                   as_of: date | None = None) -> dict[str, dict[str, Any]]:
    """Scores of these people, as the monthly run as of ``as_of`` would publish them.

    ``as_of`` defaults to the latest run's date; a later one (records reported since)
    is allowed. People with no records are absent.
    """
    settings = settings or Settings.from_env()
    found = people_features(person_ids, settings, also_excluding=also_excluding,
                            as_of=as_of)
    if found is None:
        return {}
    frame = found.frame
    rows = published_rows(found.model, frame)
    manifest = json.loads((run_dir(settings, found.latest_run) / MANIFEST_FILE)
                          .read_text())
    scored = {}
    for i, person_id in enumerate(frame["person_id"]):
        one = frame.iloc[[i]]
        fingerprint = data_fingerprint(one, one["person_id"].isna().to_numpy().astype("uint8"))
        keys = sorted(found.excluded.get(str(person_id), frozenset()))
        day = "" if found.as_of == found.latest_run else f"{found.as_of}|"
        row = rows.iloc[i].to_dict()
        row.update(
            as_of=found.as_of,
            model_id=found.document["model_id"],
            data_fingerprint=fingerprint,
            run_id="rescore-" + hashlib.sha256(
                f"{manifest['run_id']}|{day}{fingerprint}|{keys}".encode()
            ).hexdigest()[:14],
        )
        scored[str(person_id)] = {k: (None if v == "" else _plain(v)) for k, v in row.items()}
    return scored


def points_by_feature(person_id: str, settings: Settings | None = None
                      ) -> list[dict[str, Any]] | None:
    """The record of the person's points per feature under the champion, as of the latest
    run: each feature's bin, its points and the most it could give (None: no run yet)."""
    found = people_features([person_id], settings or Settings.from_env())
    if found is None:
        return None
    explained = explain_one(found.model, found.frame)
    by_name = {f.name: f for f in found.model.features_}
    return [{"feature": name, "description": by_name[name].description,
             "dimension": by_name[name].dimension, "bin": str(label), "points": points,
             "best_points": best}
            for name, label, points, best in explained.contributions]


def excluded_for(settings: Settings, person_id: str) -> Exclusions:
    """The person's records left out of scoring now: under an open or upheld dispute."""
    return Exclusions(_excluded(settings, [person_id]).get(person_id, frozenset()))


def _excluded(settings: Settings, person_ids: list[str]) -> dict[str, frozenset[RecordKey]]:
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
