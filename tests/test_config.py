"""Settings from the environment: a wrong value is one clear error naming the variable."""

from __future__ import annotations

import pytest

from credo.config import Settings
from credo.errors import ConfigError


@pytest.mark.parametrize("variable", ["CREDO_HOME", "CREDO_LAKE"])
def test_a_file_where_a_folder_belongs_is_refused(monkeypatch, tmp_path, variable):
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("not a folder")
    monkeypatch.setenv("CREDO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(variable, str(in_the_way))
    with pytest.raises(ConfigError, match=rf"{variable} .* is a file, not a folder"):
        Settings.from_env()


def test_missing_folders_are_fine_and_made_later(monkeypatch, tmp_path):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path / "new"))
    monkeypatch.delenv("CREDO_LAKE", raising=False)
    settings = Settings.from_env()
    assert settings.lake == tmp_path / "new" / "lake"
    assert not (tmp_path / "new").exists()


def test_an_unknown_engine_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    monkeypatch.setenv("CREDO_ENGINE", "pandas")
    with pytest.raises(ConfigError, match=r"unknown engine 'pandas'.*CREDO_ENGINE"):
        Settings.from_env()
