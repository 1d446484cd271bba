"""Publishing a monthly score snapshot (Parquet) into the store's score history.

Idempotent on ``run_id``: a run already published is skipped whole, so re-running the
monthly job or the publish command never duplicates history. Every month is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import insert
from sqlalchemy.orm import Session

from credo.errors import InputError
from credo.policy.bands import BANDS, bands_of
from credo.score_snapshot import REASON_COLUMNS, SNAPSHOT_SCHEMA, SUB_SCORES
from credo.store import audit, notify
from credo.store.models import PublishedRun, ScoreRecord

CHUNK = 20_000


@dataclass(frozen=True)
class PublishReport:
    run_id: str
    as_of: str
    rows: int
    published: bool  # False: this run was already in the store (no-op)


def read_snapshot(path: Path) -> pa.Table:
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path of the monthly run's snapshot")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise InputError(f"{path}: not a readable Parquet snapshot ({error})") from None
    missing = [f.name for f in SNAPSHOT_SCHEMA if f.name not in table.column_names]
    if missing:
        raise InputError(f"{path}: not a score snapshot: missing columns {', '.join(missing)}")
    table = table.select(SNAPSHOT_SCHEMA.names)
    try:
        table = table.cast(SNAPSHOT_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as error:
        raise InputError(f"{path}: a column has the wrong type ({error}); "
                         "produce the snapshot with the monthly run") from None
    return table


def _check(path: Path, t: pa.Table) -> tuple[str, str]:
    if t.num_rows == 0:
        raise InputError(f"{path}: the snapshot is empty")
    for name in ("person_id", "as_of", "score", "band", "run_id", "reasons_json"):
        if t.column(name).null_count:
            raise InputError(f"{path}: column {name} has empty values")
    runs = pc.unique(t.column("run_id")).to_pylist()
    if len(runs) != 1:
        raise InputError(f"{path}: a snapshot holds one run, found run_ids {runs[:5]}")
    days = pc.unique(t.column("as_of")).to_pylist()
    if len(days) != 1:
        raise InputError(f"{path}: a snapshot holds one as_of date, found {days[:5]}")
    if pc.count_distinct(t.column("person_id")).as_py() != t.num_rows:
        raise InputError(f"{path}: person_id is not unique")
    scores = t.column("score").to_numpy()
    low, high = BANDS[0].low, BANDS[-1].high
    if scores.min() < low or scores.max() > high:
        raise InputError(f"{path}: scores must lie in {low}-{high}")
    if (bands_of(scores) != t.column("band").to_numpy(zero_copy_only=False)).any():
        raise InputError(f"{path}: a band does not match its score (see credo.policy.bands)")
    return str(runs[0]), str(days[0])


def _rows(t: pa.Table) -> list[dict[str, Any]]:
    out = []
    for r in t.to_pylist():
        try:
            reasons = json.loads(r["reasons_json"])
        except json.JSONDecodeError:
            raise InputError(f"reasons_json of {r['person_id']!r} is not JSON") from None
        out.append({
            "person_id": r["person_id"], "as_of": r["as_of"], "status": "published",
            "score": r["score"], "band": r["band"],
            "probability_of_default": r["probability_of_default"],
            **{n: r[n] for n in SUB_SCORES},
            "reason_codes": [r[c] for c in REASON_COLUMNS if r[c]],
            "reasons": reasons, "model_id": r["model_id"],
            "data_fingerprint": r["data_fingerprint"], "run_id": r["run_id"],
        })
    return out


def publish_snapshot(session: Session, path: Path | str, *, actor: str = "operator"
                     ) -> PublishReport:
    path = Path(path)
    t = read_snapshot(path)
    run_id, as_of = _check(path, t)
    if session.get(PublishedRun, run_id) is not None:
        return PublishReport(run_id, as_of, t.num_rows, published=False)
    first = t.slice(0, 1).to_pylist()[0]
    session.add(PublishedRun(run_id=run_id, as_of=first["as_of"], model_id=first["model_id"],
                             data_fingerprint=first["data_fingerprint"], rows=t.num_rows))
    session.flush()  # the run row first: a concurrent publish of the same run fails here
    for start in range(0, t.num_rows, CHUNK):
        session.execute(insert(ScoreRecord), _rows(t.slice(start, CHUNK)))
    audit.record(session, actor_role="operator", actor_id=actor, action="scores.publish",
                 run_id=run_id, as_of=as_of, rows=t.num_rows)
    notify.band_changes(session, run_id, f"in the monthly score of {as_of}")
    session.commit()
    return PublishReport(run_id, as_of, t.num_rows, published=True)


def write_snapshot(path: Path | str, rows: list[dict[str, Any]]) -> Path:
    """Write rows (dicts with the snapshot columns) as a snapshot file of the contract."""
    path = Path(path)
    cols = {f.name: [r.get(f.name) for r in rows] for f in SNAPSHOT_SCHEMA}
    pq.write_table(pa.table(cols, schema=SNAPSHOT_SCHEMA), path)
    return path


def rescored_record(result: dict[str, Any], *, person_id: str, run_id: str,
                    note: str) -> ScoreRecord:
    """A score-history entry for an on-demand rescore, from a row of the snapshot
    contract (what ``credo.pipeline.rescore`` returns): a dispute's resolution or a
    source's push."""
    from credo.policy.bands import band_of

    reasons = result.get("reasons") or result.get("reasons_json") or []
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    score = int(result["score"])
    return ScoreRecord(
        person_id=person_id, as_of=result["as_of"], status="rescored",
        score=score, band=band_of(score),
        probability_of_default=result.get("probability_of_default"),
        **{n: result.get(n) for n in SUB_SCORES},
        reason_codes=[result[c] for c in REASON_COLUMNS if result.get(c)],
        reasons=reasons, model_id=result.get("model_id"),
        data_fingerprint=result.get("data_fingerprint"), run_id=run_id, note=note,
    )
