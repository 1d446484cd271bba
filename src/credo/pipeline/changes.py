"""What changed since the previous run, exactly, from points.

Each run keeps the features it scored (``features/as_of=T/``) and names its model in the
manifest, so a person's points per feature in the two latest runs are recomputed from
those very inputs: their differences add up to the change of the raw score (the
published score may differ from the raw one only where the scale clips it or a default
holds it at 350, which the answer says).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from credo.config import Settings
from credo.features.table import STATUS_COLUMN
from credo.layout import MANIFEST_FILE, features_path, folder_date, model_path, run_folders
from credo.pipeline.whatif import champion
from credo.scorecard import artifact
from credo.scorecard.model import Scorecard

STRENGTHS = 3


@dataclass(frozen=True)
class Moved:
    feature: str
    description: str
    before: int
    now: int

    @property
    def points(self) -> int:
        return self.now - self.before


@dataclass(frozen=True)
class Strength:
    feature: str
    description: str
    points_above_worst: int  # what this feature earns the person over its worst bin


@dataclass(frozen=True)
class RunPoints:
    as_of: date
    model_id: str
    score: int
    points: dict[str, int]
    in_default: str | None


@dataclass(frozen=True)
class Change:
    previous: RunPoints | None
    current: RunPoints
    moved: list[Moved]  # largest first; empty without a previous run
    strengths: list[Strength]

    @property
    def points(self) -> int | None:
        return None if self.previous is None else self.current.score - self.previous.score


def _model(settings: Settings, model_id: str) -> Scorecard:
    path = model_path(settings, model_id)
    if path.exists():
        return artifact.load(path)[0]
    model, document = champion(settings)
    if str(document.get("model_id")) != model_id:
        raise FileNotFoundError(f"model {model_id} of a run is not in the models folder")
    return model


def _run_points(settings: Settings, folder: Any, person_id: str) -> RunPoints | None:
    as_of = folder_date(folder)
    path = features_path(settings, as_of)
    if not path.exists():
        return None
    table = pq.read_table(path, filters=[("person_id", "=", person_id)])
    if table.num_rows == 0:
        return None
    model_id = str(json.loads((folder / MANIFEST_FILE).read_text())["model_id"])
    model = _model(settings, model_id)
    frame = table.to_pandas()
    points = model.points_matrix(frame)[0]
    scores = pq.read_table(folder / "scores.parquet", columns=["person_id", "score"],
                           filters=[("person_id", "=", person_id)])
    status = frame[STATUS_COLUMN].iloc[0]
    return RunPoints(as_of, model_id, int(pc.max(scores["score"]).as_py()),
                     {f.name: int(p) for f, p in zip(model.features_, points, strict=True)},
                     None if status is None or str(status) in ("None", "nan") else str(status))


def what_is_published(settings: Settings, person_id: str, as_of: date
                      ) -> dict[str, Any] | None:
    """The person's row of the run as of ``as_of`` (None when it did not score them)."""
    from credo.layout import scores_path

    rows = pq.read_table(scores_path(settings, as_of),
                         filters=[("person_id", "=", person_id)]).to_pylist()
    return rows[0] if rows else None


def change_since_previous_run(settings: Settings, person_id: str) -> Change | None:
    """The person's change between the two latest runs that scored them (None when no run
    scored them)."""
    found: list[RunPoints] = []
    for folder in reversed(run_folders(settings)):
        points = _run_points(settings, folder, person_id)
        if points is not None:
            found.append(points)
        if len(found) == 2:
            break
    if not found:
        return None
    current, previous = found[0], (found[1] if len(found) > 1 else None)
    model = _model(settings, current.model_id)
    words = {f.name: f.description for f in model.features_}
    moved = []
    if previous is not None:
        for name in dict.fromkeys([*current.points, *previous.points]):
            before, now = previous.points.get(name, 0), current.points.get(name, 0)
            if before != now:
                moved.append(Moved(name, words.get(name, name), before, now))
        moved.sort(key=lambda m: (-abs(m.points), m.feature))
    strengths = sorted(
        (Strength(f.name, f.description, current.points[f.name] - f.worst_points)
         for f in model.features_ if current.points[f.name] > f.worst_points),
        key=lambda s: (-s.points_above_worst, s.feature))[:STRENGTHS]
    return Change(previous, current, moved, strengths)
