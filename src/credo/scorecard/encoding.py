"""Column encodings: a column's values as float64, or as integer codes of its categories.

Plain, pandas Categorical and Arrow dictionary-encoded columns are all read here, each
without per-row work its encoding already holds, and whatever the encoding the result
is the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credo.errors import InputError


def index_dtype(n_bins: int) -> type[np.signedinteger]:
    """The smallest integer type for bin indices below ``n_bins``: a bin index per row
    is held for every feature during a fit, and one byte a row is a quarter of int32."""
    if n_bins <= np.iinfo(np.int8).max:
        return np.int8
    if n_bins <= np.iinfo(np.int16).max:
        return np.int16
    return np.int32


def numeric_values(column: pd.Series | np.ndarray, name: str) -> np.ndarray:
    """Float64 values of a numeric column; a value that is not a number is an error."""
    if isinstance(column, np.ndarray) and column.dtype == np.float64:
        return column
    series = pd.Series(column) if not isinstance(column, pd.Series) else column
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna() & (series.astype("string").str.strip() != "")
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"column {name!r} is numeric but {_row_name(series.index[position])} holds "
            f"{_shorten(series.iloc[position])!r}: fix the value, leave it empty for "
            "missing, or declare the column categorical"
        )
    return converted.to_numpy(dtype=np.float64, na_value=np.nan)


def dictionary_parts(column: pd.Series | np.ndarray) -> tuple[np.ndarray, list[str]] | None:
    """Codes (-1 for missing, the column's own integer width) and labels of a column that
    arrives dictionary-encoded (pandas Categorical or an Arrow dictionary); else None.

    No per-row work beyond what the encoding already holds: the codes are the column's
    own array (a Categorical's codes are not copied), so a lookup per label and a
    ``take`` by code replace hashing every row's string.
    """
    series = pd.Series(column) if not isinstance(column, pd.Series) else column
    if isinstance(series.dtype, pd.CategoricalDtype):
        categorical = series.array
        return np.asarray(categorical.codes), [str(c) for c in categorical.categories]
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_dictionary(
        series.dtype.pyarrow_dtype
    ):
        chunked = pa.chunked_array(series.array._pa_array).unify_dictionaries()
        dictionary = chunked.chunk(0).dictionary if chunked.num_chunks else pa.array([])
        indices = pa.chunked_array(
            [c.indices for c in chunked.chunks], type=chunked.type.index_type
        )
        codes = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False)
        return codes, [str(c) for c in dictionary.to_pylist()]
    return None


def category_codes(column: pd.Series | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 for missing) and the category labels as strings, sorted.

    Labels are sorted whatever order a dictionary-encoded column lists them in, so the
    codes (and any tie broken by them) do not depend on how the column was encoded.
    """
    series = pd.Series(column) if not isinstance(column, pd.Series) else column
    parts = dictionary_parts(series)
    if parts is None:
        categorical = pd.Categorical(series)
        return (
            np.asarray(categorical.codes, dtype=np.int64),
            [str(c) for c in categorical.categories],
        )
    codes, labels = parts
    categories = sorted(set(labels))
    position = {c: k for k, c in enumerate(categories)}
    remap = np.array([position[c] for c in labels] + [-1], dtype=np.int64)
    return remap[codes], categories


def known_category_codes(
    column: pd.Series | np.ndarray, known: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, lookup)``: row ``r`` holds ``known[lookup[codes[r]]]``.

    ``lookup`` ends with -1, and ``codes[r] == -1`` (missing) reaches that entry, as
    does a ``lookup`` value of -1 for a category not in ``known``. Dictionary-encoded
    columns map their few labels and keep their own codes; text columns are looked up
    row by row in Arrow (a hash lookup on the string buffers, no Python objects).
    """
    series = pd.Series(column) if not isinstance(column, pd.Series) else column
    parts = dictionary_parts(series)
    if parts is None:
        array = pa.array(series, from_pandas=True)
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            found = pc.index_in(array, value_set=pa.array(known, type=array.type))
            codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
            return codes, np.append(np.arange(len(known), dtype=np.int32), np.int32(-1))
        parts = category_codes(series)
    codes, labels = parts
    position = {c: k for k, c in enumerate(known)}
    lookup = np.array([position.get(c, -1) for c in labels] + [-1], dtype=np.int32)
    return codes, lookup


def known_category_index(column: pd.Series | np.ndarray, known: list[str]) -> np.ndarray:
    """Position of each value in ``known`` (int32), -1 for missing or unseen values."""
    codes, lookup = known_category_codes(column, known)
    return lookup[codes]


def _row_name(label: object) -> str:
    # Tables read from a file keep their row numbers as the index, even after a split.
    if isinstance(label, int | np.integer):
        return f"row {int(label) + 1}"
    return f"row {label!r}"


def _shorten(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."
