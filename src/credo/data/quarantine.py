"""The lake's quarantine: records refused at ingest, kept with every reason.

Stored under ``quarantine/ingest_month=YYYY-MM/`` and named by the commit log like any
other file; an input quarantined twice is stored once (``_hash`` over ``QUARANTINE_KEY``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

QUARANTINE = "quarantine"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_id", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("file", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("record", pa.string()),  # the record as received, as a JSON object
        pa.field("reasons", pa.string()),  # every reason, joined by " | "
        pa.field("reason_count", pa.int64()),
        pa.field("quarantined_at", pa.timestamp("us", tz="UTC")),
        pa.field("_batch", pa.string()),
        pa.field("_hash", pa.int64()),  # of (source, kind, record, reasons): idempotence
    ]
)
QUARANTINE_KEY = ["source_id", "kind", "record", "reasons"]


def conflict_records(kind: str, conflicts: pa.Table) -> pa.Table:
    from credo.data.validate import record_json

    n = conflicts.num_rows
    reason = ("record_id: a different version with the same reported_at already exists; "
              "send corrections with a newer reported_at")
    return pa.table(
        {
            "source_id": conflicts.column("source_id"),
            "kind": [kind] * n,
            "file": [None] * n,
            "row": pa.nulls(n, pa.int64()),
            "record": record_json(conflicts, np.arange(n)),
            "reasons": [reason] * n,
            "reason_count": pa.array(np.ones(n, dtype=np.int64)),
            "quarantined_at": pa.array([datetime.now(UTC)] * n, pa.timestamp("us", tz="UTC")),
            "_batch": [""] * n,
            "_hash": pa.array(np.zeros(n, dtype=np.int64)),
        },
        schema=QUARANTINE_SCHEMA,
    )
