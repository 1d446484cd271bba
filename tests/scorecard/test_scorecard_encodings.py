"""Scores do not depend on how a categorical column is encoded, nor on threading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.scorecard import Scorecard, _kernels
from credo.scorecard.binning import numeric_bin_index
from credo.scorecard.encoding import category_codes, index_dtype, known_category_index

from .conftest import make_table

LEVELS = ["north", "south", "east", "west", "isle"]


@pytest.fixture(scope="module")
def fitted():
    X, y = make_table(4000, seed=3)
    return X, Scorecard().fit(X, y)


def _with_unseen(X: pd.DataFrame) -> pd.DataFrame:
    X = X.copy()
    X.loc[X.index[:7], "region"] = "atlantis"  # never seen in training
    X.loc[X.index[7:11], "region"] = None
    return X


def _as_categorical(X: pd.DataFrame, shuffle_seed: int | None = None) -> pd.DataFrame:
    X = X.copy()
    labels = sorted(X["region"].dropna().unique().tolist())
    if shuffle_seed is not None:
        labels = [labels[k] for k in np.random.default_rng(shuffle_seed).permutation(len(labels))]
    X["region"] = pd.Categorical(X["region"], categories=labels)
    return X


def _as_arrow_dictionary(X: pd.DataFrame) -> pd.DataFrame:
    X = X.copy()
    array = pa.array(X["region"], from_pandas=True).cast(pa.string()).dictionary_encode()
    X["region"] = pd.Series(pd.arrays.ArrowExtensionArray(array), index=X.index)
    return X


@pytest.mark.parametrize(
    "encode",
    [_as_categorical, lambda X: _as_categorical(X, shuffle_seed=1), _as_arrow_dictionary],
    ids=["categorical", "categorical-unsorted", "arrow-dictionary"],
)
def test_dictionary_encoded_input_scores_like_text(fitted, encode):
    X, model = fitted
    plain = _with_unseen(X)
    encoded = encode(plain)
    assert "region" in model.feature_names_
    np.testing.assert_array_equal(model.score(encoded), model.score(plain))
    np.testing.assert_array_equal(model.points_matrix(encoded), model.points_matrix(plain))
    # Unseen and missing categories both score as the missing bin.
    feature = next(f for f in model.features_ if f.name == "region")
    column = model.feature_names_.index("region")
    missing_points = feature.binning.bins[-1].points
    assert (model.points_matrix(encoded)[:11, column] == missing_points).all()


def test_unused_categories_in_the_dictionary_do_not_matter(fitted):
    X, model = fitted
    plain = _with_unseen(X)
    encoded = plain.copy()
    encoded["region"] = pd.Categorical(
        plain["region"], categories=["zzz", *LEVELS, "atlantis", "aaa"]
    )
    np.testing.assert_array_equal(model.score(encoded), model.score(plain))


def test_training_on_categorical_gives_the_same_model():
    X, y = make_table(3000, seed=5)
    encoded = _as_categorical(X, shuffle_seed=2)
    a = Scorecard().fit(X, y)
    b = Scorecard().fit(encoded, y)
    assert a.feature_names_ == b.feature_names_
    np.testing.assert_array_equal(a.score(X), b.score(encoded))
    assert [x.label for x in a.binnings_["region"].bins] == [
        x.label for x in b.binnings_["region"].bins
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from([*LEVELS, "atlantis", ""])), min_size=1,
             max_size=60),
    st.lists(st.sampled_from([*LEVELS, ""]), unique=True, max_size=6),
)
def test_category_lookup_is_encoding_independent(values, known):
    plain = pd.Series(values, dtype=object)
    expected = np.array([known.index(v) if v in known else -1 for v in values], dtype=np.int32)
    np.testing.assert_array_equal(known_category_index(plain, known), expected)
    categorical = pd.Series(pd.Categorical(values))
    np.testing.assert_array_equal(known_category_index(categorical, known), expected)
    codes, labels = category_codes(categorical)
    assert labels == sorted(labels)
    decoded = [labels[c] if c >= 0 else None for c in codes]
    assert decoded == values


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from([np.nan, -1.0, 0.0, 0.5, 1.0, 2.0, 3.5, 7.0]), min_size=1,
             max_size=300),
    st.lists(st.floats(-2, 8, allow_nan=False), min_size=0, max_size=6, unique=True),
    st.lists(st.sampled_from([-1.0, 0.0, 7.0]), max_size=2, unique=True),
    st.integers(0, 2**31 - 1),
)
def test_numeric_points_kernel_matches_bin_lookup(values, edges, specials, seed):
    """The vectorised kernel gives each row exactly its bin's points."""
    rng = np.random.default_rng(seed)
    values = np.array(values, dtype=np.float64)
    edges = np.array(sorted(edges), dtype=np.float64)
    specials = np.array(specials, dtype=np.float64)
    n_regular = edges.size + 1
    points = rng.integers(-60, 60, n_regular).astype(np.int32)
    special_points = rng.integers(-60, 60, specials.size).astype(np.int32)
    missing = np.array([rng.integers(-60, 60)], dtype=np.int32)
    index = numeric_bin_index(values, edges, specials, n_regular, n_regular + specials.size)
    table = np.concatenate([points, special_points, missing])
    total = np.full(values.size, 5, dtype=np.int32)
    _kernels.add_numeric_points(
        (values,), edges, np.array([0, edges.size]), points, specials, special_points,
        np.array([0, specials.size]), missing, total, 0, values.size,
    )
    np.testing.assert_array_equal(total, 5 + table[index])


def test_bin_indices_take_the_smallest_type_that_holds_every_bin():
    assert [index_dtype(n) for n in (1, 127, 128, 32767, 32768)] == [
        np.int8, np.int8, np.int16, np.int16, np.int32]
    values = np.linspace(0, 1, 5000)
    values[::7] = np.nan
    for n_edges in (10, 200, 40_000):  # int8, int16 and int32 indices
        edges = np.linspace(0, 1, n_edges + 2)[1:-1]
        index = numeric_bin_index(values, edges, np.zeros(0), n_edges + 1, n_edges + 1)
        assert index.dtype == index_dtype(n_edges + 2)
        expected = np.where(np.isnan(values), n_edges + 1,
                            np.searchsorted(edges, values, side="right"))
        np.testing.assert_array_equal(index, expected)


def test_threaded_scoring_matches_single_pass():
    X, y = make_table(4000, seed=8)
    model = Scorecard().fit(X, y)
    big = pd.concat([X] * 60, ignore_index=True)  # enough rows to split across threads
    expected = np.tile(model.score(X), 60)
    np.testing.assert_array_equal(model.score(big), expected)
    np.testing.assert_array_equal(model.score(_as_categorical(big)), expected)
