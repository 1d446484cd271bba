"""A stable 64-bit content hash of records, computed over Arrow buffers with numba.

The hash identifies an exact version of a record so that a re-sent file is recognised as
a duplicate. It must never change between library versions (the lake stores it), which
rules out engine-provided hash functions; FNV-1a over the raw bytes plus a splitmix
finaliser is simple, fast and fixed forever.
"""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)



@numba.njit(cache=True)
def _mix(x: np.uint64) -> np.uint64:
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


@numba.njit(cache=True)
def _combine_strings(acc, offsets, data, valid):  # pragma: no cover - compiled
    prime = np.uint64(0x100000001B3)
    for i in range(acc.shape[0]):
        if valid[i]:
            h = np.uint64(0xCBF29CE484222325)
            for j in range(offsets[i], offsets[i + 1]):
                h ^= np.uint64(data[j])
                h *= prime
            h = _mix(h ^ np.uint64(offsets[i + 1] - offsets[i]))
        else:
            h = np.uint64(0x9E3779B97F4A7C15)
        acc[i] = _mix(acc[i] * np.uint64(31) + h)


@numba.njit(cache=True)
def _combine_ints(acc, values, valid):  # pragma: no cover - compiled
    for i in range(acc.shape[0]):
        h = _mix(np.uint64(values[i]) + np.uint64(1)) if valid[i] else np.uint64(
            0x9E3779B97F4A7C15
        )
        acc[i] = _mix(acc[i] * np.uint64(31) + h)


def _valid(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=np.bool_)
    return arr.is_valid().to_numpy(zero_copy_only=False)


def hash_table(table: pa.Table, columns: list[str]) -> np.ndarray:
    """int64 content hash per row over ``columns`` (strings, ints, dates, timestamps)."""
    acc = np.full(table.num_rows, _FNV_OFFSET, dtype=np.uint64)
    if table.num_rows == 0:
        return acc.view(np.int64)
    for name in columns:
        arr = table.column(name).combine_chunks()
        valid = _valid(arr)
        typ = arr.type
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            arr = arr.cast(pa.large_string())
            bufs = arr.buffers()
            offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
            data = (
                np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None
                else np.zeros(0, dtype=np.uint8)
            )
            _combine_strings(acc, offsets, data, valid)
        else:
            if pa.types.is_date32(typ):
                arr = arr.cast(pa.int32())
            elif pa.types.is_timestamp(typ):
                arr = arr.cast(pa.int64())
            values = arr.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            _combine_ints(acc, values, valid)
    return acc.view(np.int64)
