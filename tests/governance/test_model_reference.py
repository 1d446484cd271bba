"""One reference names the model a command is about: a file, a registered id, or
nothing (the champion, or for a report the latest registered model)."""

from __future__ import annotations

import numpy as np
import pytest

from credo.config import Settings
from credo.errors import InputError
from credo.governance.model_reference import find_model, registry_entry, resolve_model
from credo.governance.registry import Registry
from credo.scorecard import Scorecard, artifact

from ..scorecard.conftest import make_table


@pytest.fixture(scope="module")
def fitted():
    X, y = make_table(600, seed=4)
    first = Scorecard().fit(X, y)
    second = Scorecard(C=1.0).fit(X.iloc[:450], y[:450])
    return X, first, second


def test_a_file_is_read_without_touching_the_store(tmp_path, fitted) -> None:
    X, first, _ = fitted
    settings = Settings(home=tmp_path / "home")
    path = tmp_path / "model.json"
    document = artifact.save(first, path)
    chosen = resolve_model(settings, path)
    assert chosen.path == path and chosen.model_id == document["model_id"]
    np.testing.assert_array_equal(chosen.scorecard.score(X), first.score(X))
    assert not (settings.home / "credo.db").exists()
    with pytest.raises(InputError, match=r"no model file at elsewhere/model\.json"):
        resolve_model(settings, "elsewhere/model.json")
    assert not (settings.home / "credo.db").exists()


def test_nothing_registered_says_what_to_do(tmp_path) -> None:
    settings = Settings(home=tmp_path)
    assert find_model(settings) is None
    with pytest.raises(InputError, match=r"no champion model at .*credo train --as-of"):
        resolve_model(settings)
    with pytest.raises(InputError, match="no model is registered"):
        resolve_model(settings, default="latest")
    with pytest.raises(InputError, match="no model file or registered model 'scorecard-x'"):
        resolve_model(settings, "scorecard-x")


def test_registered_ids_the_champion_and_the_latest(tmp_path, fitted) -> None:
    X, first, second = fitted
    settings = Settings(home=tmp_path)
    a, b = artifact.to_dict(first), artifact.to_dict(second)
    with Registry(settings) as registry:
        assert registry.register_trained(a, "cli:test")[1] is True  # the first serves
        info, made_champion = registry.register_trained(b, "cli:test")
        assert not made_champion and info.status == "candidate"
    champion = resolve_model(settings)
    assert champion.model_id == a["model_id"] and champion.path is not None
    latest = resolve_model(settings, default="latest")
    assert latest.model_id == b["model_id"] and latest.path is None
    by_id = resolve_model(settings, a["model_id"])
    np.testing.assert_array_equal(by_id.scorecard.score(X), first.score(X))
    assert registry_entry(settings, b["model_id"]).version == 2
    assert registry_entry(settings, "never-registered") is None
