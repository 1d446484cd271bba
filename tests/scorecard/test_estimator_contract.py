"""The estimator follows scikit-learn's contract, and every fit default is written once."""

from __future__ import annotations

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from credo.cli import app, register_commands
from credo.errors import ConfigError
from credo.scorecard import BinningOptions, Scorecard
from credo.scorecard.parameters import FIT_PARAMETERS, estimator_parameters

from .conftest import make_table

binning_options = st.builds(
    BinningOptions,
    max_bins=st.integers(2, 64),
    min_bin_share=st.floats(0.001, 0.5),
    min_bin_bads=st.integers(0, 100),
    trend=st.sampled_from(["auto", "ascending", "descending", "peak"]),
    woe_prior=st.floats(0, 1000),
)


@settings(max_examples=50, deadline=None)
@given(
    binning=st.none() | binning_options,
    min_iv=st.floats(0, 0.5),
    C=st.floats(0.01, 10),
    refit_prior=st.none() | st.floats(1, 1000),
    exclude=st.lists(st.text(min_size=1, max_size=5), max_size=3),
)
def test_clone_and_get_params_round_trip(binning, min_iv, C, refit_prior, exclude):
    model = Scorecard(binning=binning, min_iv=min_iv, C=C, refit_prior=refit_prior,
                      exclude=exclude)
    params = model.get_params()
    assert set(params) == set(model.get_params(deep=False))
    twin = clone(model)
    assert twin is not model and twin.get_params() == params
    assert Scorecard(**params).get_params() == params
    assert model.set_params(**params) is model and model.get_params() == params
    # The flat record of the fit parameters (the model file's) rebuilds the same model.
    flat = model.fit_parameters()
    assert list(flat) == list(FIT_PARAMETERS)
    rebuilt = Scorecard(**estimator_parameters(flat), exclude=exclude)
    assert rebuilt.fit_parameters() == flat


def test_a_clone_is_unfitted_and_fits_to_the_same_scores():
    X, y = make_table(800, seed=3)
    model = Scorecard(binning=BinningOptions(max_bins=6), C=0.5).fit(X, y)
    twin = clone(model)
    assert not hasattr(twin, "features_")
    np.testing.assert_array_equal(twin.fit(X, y).score(X), model.score(X))


def test_set_params_refuses_an_unknown_name_and_points_to_the_binning_options():
    with pytest.raises(ConfigError, match=r"max_bins.*binning=BinningOptions"):
        Scorecard().set_params(max_bins=5)


def test_each_fit_default_is_the_estimators_and_the_commands():
    defaults = Scorecard().fit_parameters()
    assert {k: defaults[k] for k in ("max_bins", "woe_prior", "min_bin_share")} == {
        "max_bins": BinningOptions().max_bins,
        "woe_prior": BinningOptions().woe_prior,
        "min_bin_share": BinningOptions().min_bin_share,
    }
    register_commands()
    train = typer.main.get_command(app).commands["train"]  # type: ignore[attr-defined]
    options = {p.name: p.default for p in train.params}
    shown = {name: options[name] for name in FIT_PARAMETERS if name in options}
    assert len(shown) >= 10  # every binning option the command exposes, and more
    assert shown == {name: defaults[name] for name in shown}
