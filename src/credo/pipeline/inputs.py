"""What a month's run depends on, read from the lake's commit log without reading data.

A run as of T reads only the record files committed in partitions up to T's month, so
the files the log names there (each named once, for ever: a file's name carries its
commit), the model, the as-of date, the records left out and credo's version decide its
result. A later month's data, or anything outside the lake, never changes it. The same
key twice means the same snapshot: an unchanged month is recognised in the time it
takes to read the log.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from credo import __version__
from credo.data.lake import Lake
from credo.data.lake_log import month_of
from credo.data.schemas import KINDS
from credo.pipeline.snapshot import Exclusions


def run_inputs(lake: Lake, as_of: date, model_id: str,
               exclusions: Exclusions | None = None) -> str:
    """A digest of everything a run as of ``as_of`` with ``model_id`` depends on."""
    month = month_of(as_of)
    files = sorted(
        (f.path, f.rows) for f in lake.snapshot().files.values()
        if f.kind in KINDS and f.partition <= month
    )
    key = {
        "as_of": str(as_of),
        "model_id": model_id,
        "files": files,
        "excluded": sorted(exclusions.keys) if exclusions else [],
        "credo": __version__,
    }
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
