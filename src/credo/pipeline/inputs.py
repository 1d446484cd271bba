"""What a month's run, or a model's training, depends on, read from the lake's commit log
without reading data.

A run as of T reads only the record files committed in partitions up to T's month, so
the files the log names there (each named once, for ever: a file's name carries its
commit), the model, the as-of date, the records left out and credo's version decide its
result. A later month's data, or anything outside the lake, never changes it. The same
key twice means the same snapshot: an unchanged month is recognised in the time it
takes to read the log. Training looks 12 months past its as-of date for the outcome, so
its key takes every record file, with the estimator's parameters and the split.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from typing import Any

from credo import __version__
from credo.data.lake import Lake
from credo.data.lake_log import month_of
from credo.data.schemas import KINDS
from credo.pipeline.tables import Exclusions


def run_inputs(lake: Lake, as_of: date, model_id: str,
               exclusions: Exclusions | None = None) -> str:
    """A digest of everything a run as of ``as_of`` with ``model_id`` depends on."""
    return _digest({
        "as_of": str(as_of),
        "model_id": model_id,
        "files": record_files(lake, month_of(as_of)),
        "excluded": sorted(exclusions.keys) if exclusions else [],
    })


def training_inputs(lake: Lake, as_of: date, validate_as_of: date | None,
                    parameters: dict[str, Any], split: tuple[float, int]) -> str:
    """A digest of everything a model trained on the lake depends on: the same key
    means the same records, months, estimator parameters and person split."""
    return _digest({
        "as_of": str(as_of),
        "validate_as_of": str(validate_as_of) if validate_as_of else None,
        "files": record_files(lake),
        "parameters": parameters,
        "split": list(split),
    })


def record_files(lake: Lake, until_month: str | None = None) -> list[tuple[str, int]]:
    """The committed record files (path, rows) in partitions up to ``until_month``."""
    return sorted(
        (f.path, f.rows) for f in lake.state().files.values()
        if f.kind in KINDS and (until_month is None or f.partition <= until_month)
    )


def _digest(key: dict[str, Any]) -> str:
    text = json.dumps(key | {"credo": __version__}, sort_keys=True, separators=(",", ":"),
                      default=_plain)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """A parameter that is not JSON (a data dictionary, a scaling) in a form that is,
    the same in every process (sets sorted: their order varies with the hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)
