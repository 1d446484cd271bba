"""The score snapshot's contract: its columns and their Arrow types, declared once.

The monthly run writes a snapshot (``scores.parquet``) of this schema and the store
publishes from it; a person's sub-scores are the scorecard's dimensions, one column each.
"""

from __future__ import annotations

import pyarrow as pa

from credo.dictionary import DIMENSIONS

SUB_SCORES: tuple[str, ...] = DIMENSIONS
REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{i}" for i in range(1, 5))

# What a snapshot holds; nullable=False marks the columns a publishable snapshot fills.
SNAPSHOT_SCHEMA = pa.schema(
    [
        pa.field("person_id", pa.string(), nullable=False),
        pa.field("as_of", pa.date32(), nullable=False),
        pa.field("score", pa.int32(), nullable=False),
        pa.field("band", pa.string(), nullable=False),
        pa.field("probability_of_default", pa.float64(), nullable=False),
        *(pa.field(n, pa.int32()) for n in SUB_SCORES),
        *(pa.field(n, pa.string()) for n in REASON_COLUMNS),
        pa.field("reasons_json", pa.string(), nullable=False),
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("data_fingerprint", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)
SNAPSHOT_COLUMNS: tuple[str, ...] = tuple(SNAPSHOT_SCHEMA.names)

# The schema of the file the monthly run writes: the same columns, every one nullable
# (the publisher checks that the required ones are filled).
WRITTEN_SCHEMA = pa.schema([f.with_nullable(True) for f in SNAPSHOT_SCHEMA])
