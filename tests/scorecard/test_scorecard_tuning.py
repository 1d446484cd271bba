"""Minimum bin counts and hyper-parameters chosen by cross-validation on training data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.errors import ConfigError
from credo.scorecard import Scorecard, artifact
from credo.scorecard.binning import BinningOptions, fit_numeric, smoothed_woe
from credo.scorecard.tuning import stratified_folds

from .conftest import make_table


@settings(max_examples=40, deadline=None)
@given(
    st.integers(200, 2000),
    st.integers(0, 400),
    st.floats(0.005, 0.2),
    st.integers(0, 2**31 - 1),
)
def test_every_regular_bin_holds_the_minimum_count(n, min_count, share, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n)
    target = (rng.random(n) < 1 / (1 + np.exp(-2 * values))).astype(np.uint8)
    options = BinningOptions(min_bin_share=share, min_bin_count=min_count)
    binning = fit_numeric("x", values, target, options)
    regular = [b for b in binning.bins if b.kind == "interval"]
    floor = options.min_rows(n)
    assert floor >= min_count
    if len(regular) > 1:
        # the share may give way to evidence (min_bin_bads), the floor in rows never
        assert all(b.count >= floor or b.bad >= options.min_bin_bads for b in regular)
        assert min(b.count for b in regular) >= min_count
    assert sum(b.count for b in binning.bins) == n


def test_min_bin_count_is_validated():
    with pytest.raises(ConfigError):
        BinningOptions(min_bin_count=-1)


def test_stratified_folds_keep_the_bad_rate():
    target = (np.random.default_rng(0).random(1003) < 0.3).astype(np.uint8)
    folds = stratified_folds(target, 5, seed=7)
    assert set(np.unique(folds)) == set(range(5))
    rates = [target[folds == k].mean() for k in range(5)]
    assert max(rates) - min(rates) < 0.01
    np.testing.assert_array_equal(folds, stratified_folds(target, 5, seed=7))


@pytest.fixture(scope="module")
def table():
    return make_table(1500, seed=11)


def test_tuning_is_deterministic_and_recorded(table, tmp_path):
    X, y = table
    grid = {"min_bin_share": (0.05, 0.1), "C": (0.1,)}
    a = Scorecard(tune=grid, cv=3, random_state=1).fit(X, y)
    b = Scorecard(tune=grid, cv=3, random_state=1).fit(X, y)
    assert a.tuning_ == b.tuning_
    np.testing.assert_array_equal(a.score(X), b.score(X))
    # The given values are candidates too, first in line.
    assert a.tuning_["candidates"][0]["params"] == {"min_bin_share": 0.02, "C": 0.3}
    assert len(a.tuning_["candidates"]) == 3 * 2
    chosen = a.tuning_["chosen"]
    best = max(c["auc_mean"] for c in a.tuning_["candidates"])
    assert next(c for c in a.tuning_["candidates"] if c["params"] == chosen)["auc_mean"] == best
    # The tuned model is the plain fit with the chosen values; parameters stay as given.
    plain = Scorecard().with_fit_parameters(chosen).fit(X, y)
    np.testing.assert_array_equal(a.score(X), plain.score(X))
    assert a.binning is None and a.C == 0.3
    best = Scorecard(**a.best_params_)
    assert {k: best.fit_parameters()[k] for k in chosen} == chosen
    # The model file records the values used and the tuning; it loads to the same scores.
    path = tmp_path / "model.json"
    document = artifact.save(a, path)
    assert {k: document["parameters"][k] for k in chosen} == chosen
    assert json.loads(path.read_text())["tuning"]["chosen"] == chosen
    loaded, _ = artifact.load(path)
    np.testing.assert_array_equal(loaded.score(X), a.score(X))
    assert loaded.tuning_["chosen"] == chosen


def test_auto_tunes_small_samples_only(table, monkeypatch):
    X, y = table
    from credo.scorecard import tuning

    assert Scorecard(tune="auto")._tuning_grid(len(X))
    monkeypatch.setattr(tuning, "TUNE_AUTO_MAX_ROWS", 1000)
    assert Scorecard(tune="auto")._tuning_grid(len(X)) == {}
    fitted = Scorecard(tune="auto").fit(X, y)
    assert not hasattr(fitted, "tuning_")
    np.testing.assert_array_equal(fitted.score(X), Scorecard().fit(X, y).score(X))


def test_untunable_parameter_is_an_error(table):
    X, y = table
    with pytest.raises(ConfigError, match="cannot tune"):
        Scorecard(tune={"dictionary": (None,)}).fit(X, y)
    with pytest.raises(ConfigError, match="cv must be"):
        Scorecard(tune=True, cv=1).fit(X, y)


def test_old_model_files_without_min_bin_count_still_load(german_model, tmp_path):
    path = tmp_path / "model.json"
    document = artifact.to_dict(german_model)
    del document["parameters"]["min_bin_count"]
    path.write_text(json.dumps(document))
    loaded, _ = artifact.load(path)
    assert loaded.binning.min_bin_count == 0


def test_old_model_files_without_woe_prior_still_load_and_score_alike(german_model, german,
                                                                      tmp_path):
    # Files written before the WOE prior added half a count to each side of every bin;
    # their points are stored per bin, so they score exactly as before.
    X, _, _ = german
    path = tmp_path / "model.json"
    document = artifact.to_dict(german_model)
    assert document["parameters"]["woe_prior"] == 10.0
    del document["parameters"]["woe_prior"]
    path.write_text(json.dumps(document))
    loaded, _ = artifact.load(path)
    assert loaded.binning.woe_prior is None
    np.testing.assert_array_equal(loaded.score(X), german_model.score(X))
    # Its record cannot be fitted again as it is: the error says what to give.
    with pytest.raises(ConfigError, match="woe_prior is not recorded"):
        Scorecard(**loaded.get_params()).fit(X, german[1])


@pytest.mark.parametrize("prior", [-0.5, float("nan"), float("inf"), "10"])
def test_estimator_refuses_a_bad_woe_prior_by_name(table, prior):
    X, y = table
    with pytest.raises(ConfigError, match="woe_prior must be a finite number of rows >= 0"):
        Scorecard(binning=BinningOptions(woe_prior=prior)).fit(X, y)


def test_woe_prior_is_used_recorded_and_tunable(table, tmp_path):
    X, y = table
    weak = Scorecard(binning=BinningOptions(woe_prior=0.0)).fit(X, y)
    strong = Scorecard(binning=BinningOptions(woe_prior=500.0)).fit(X, y)
    # Each fit's bins carry the WOE of its own prior (recomputed from the bin's counts),
    # and the strong prior's bins sit closer to the population's odds.
    for model, prior in ((weak, 0.0), (strong, 500.0)):
        for binning in model.binnings_.values():
            good = sum(b.good for b in binning.bins)
            bad = sum(b.bad for b in binning.bins)
            for b in binning.bins:
                assert b.woe == pytest.approx(smoothed_woe(b.good, b.bad, good, bad, prior))

    def spread(model):
        return np.mean([abs(b.woe) for f in model.binnings_.values() for b in f.bins])

    assert spread(strong) < spread(weak)
    document = artifact.save(strong, tmp_path / "m.json")
    assert document["parameters"]["woe_prior"] == 500.0
    tuned = Scorecard(tune={"woe_prior": (0.0, 20.0)}, cv=2).fit(X, y)
    assert [c["params"]["woe_prior"] for c in tuned.tuning_["candidates"]] == [10.0, 0.0, 20.0]
