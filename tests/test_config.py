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


def test_no_smtp_host_means_no_email(monkeypatch, tmp_path):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    monkeypatch.delenv("CREDO_SMTP_HOST", raising=False)
    assert Settings.from_env().smtp is None


def test_smtp_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    for name, value in {"CREDO_SMTP_HOST": "smtp.example.org", "CREDO_SMTP_PORT": "465",
                        "CREDO_SMTP_SECURITY": "tls", "CREDO_SMTP_USER": "credo",
                        "CREDO_SMTP_PASSWORD": "s3cret", "CREDO_SMTP_FROM": ""}.items():
        monkeypatch.setenv(name, value)
    smtp = Settings.from_env().smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.security, smtp.sender) == (
        "smtp.example.org", 465, "tls", "credo@smtp.example.org")
    assert "s3cret" not in repr(smtp)  # never in a log line


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("CREDO_SMTP_HOST", "-bad-.example", "CREDO_SMTP_HOST"),
    ("CREDO_SMTP_PORT", "0", "CREDO_SMTP_PORT 0"),
    ("CREDO_SMTP_PORT", "25a", "CREDO_SMTP_PORT '25a'"),
    ("CREDO_SMTP_USER", "only-a-user", "both CREDO_SMTP_USER and CREDO_SMTP_PASSWORD"),
])
def test_a_bad_smtp_setting_names_the_variable(monkeypatch, tmp_path, variable, value, says):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    monkeypatch.setenv("CREDO_SMTP_HOST", "127.0.0.1")
    monkeypatch.delenv("CREDO_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=says):
        Settings.from_env()
