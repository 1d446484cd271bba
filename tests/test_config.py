"""Settings from the environment: a wrong value is one clear error naming the variable."""

from __future__ import annotations

import pytest

from credo.config import Settings, check_spark_master, spark_master_from_env
from credo.errors import ConfigError

from .cli import invoke


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


@pytest.mark.parametrize("master", ["local", "local[*]", "local[2]", "local[4,3]",
                                    "spark://127.0.0.1:7077", "spark://a.b:7077,c-d:7078",
                                    "yarn", "k8s://https://10.0.0.1:6443"])
def test_spark_masters_spark_accepts_are_accepted(master):
    assert check_spark_master(master) == master


@pytest.mark.parametrize("master", ["", "spark://", "spark://host", "spark://host:0",
                                    "spark://host:70000", "127.0.0.1:7077", "local[0]",
                                    "local[two]", "http://host:7077", "spark://host:7077/x"])
def test_a_malformed_spark_master_says_which_forms_work(master):
    with pytest.raises(ConfigError, match=r"spark://HOST:PORT"):
        check_spark_master(master)


def test_a_malformed_spark_master_in_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("CREDO_SPARK_MASTER", "cluster-7")
    with pytest.raises(ConfigError, match=r"CREDO_SPARK_MASTER 'cluster-7'"):
        spark_master_from_env()


@pytest.mark.parametrize(("args", "message"), [
    (["--engine", "spark", "--spark-master", "spark://nowhere"], "is not a Spark master"),
    (["--spark-master", "spark://127.0.0.1:7077"], "only with --engine spark"),
])
def test_credo_run_refuses_a_bad_spark_master_before_any_work(
    monkeypatch, capsys, tmp_path, args, message
):
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    code, _out, err = invoke(monkeypatch, capsys, "run", "--as-of", "2025-01-01", *args)
    assert code == 2
    assert message in err
    assert not (tmp_path / "scores").exists()


@pytest.mark.parametrize(("value", "says"), [
    ("0", "from 1 to 64"), ("65", "from 1 to 64"), ("-2", "from 1 to 64"),
    ("two", "whole number"), ("2.5", "whole number"), ("1e9", "whole number"),
])
def test_a_bad_database_thread_count_names_the_variable(monkeypatch, value, says):
    from credo.service.config import ServiceConfig

    monkeypatch.setenv("CREDO_DB_THREADS", value)
    with pytest.raises(ConfigError, match=rf"CREDO_DB_THREADS={value!r}: .*{says}"):
        ServiceConfig.from_env()


def test_the_database_thread_count_follows_the_database_unless_set(monkeypatch, tmp_path):
    from credo.service.context import ServiceContext

    monkeypatch.delenv("CREDO_DB_THREADS", raising=False)
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'credo.db'}")
    ctx = ServiceContext.build(settings)
    try:
        assert ctx.db_threads == 1  # SQLite writes one transaction at a time
    finally:
        ctx.close()
    # On a database server, two: one group's statements run while another's commits.
    # (Nothing is asked of the server: the engine connects only when it is used.)
    server = Settings(home=tmp_path, database_url="postgresql://credo@127.0.0.1:1/credo")
    ctx = ServiceContext.build(server, migrate=False)
    try:
        assert ctx.db_threads == 2
    finally:
        ctx.close()
    monkeypatch.setenv("CREDO_DB_THREADS", "7")
    ctx = ServiceContext.build(settings)
    try:
        assert ctx.db_threads == 7
    finally:
        ctx.close()
