"""The CLI forms scripts rely on, and one clear line for every user mistake."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.cli import invoke


@pytest.fixture
def run(capsys, monkeypatch):
    return lambda *args: invoke(monkeypatch, capsys, *args)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    subprocess.run(
        [sys.executable, "-m", "credo", "example", "german-credit", "--out", str(folder)],
        check=True, capture_output=True,
    )
    model = folder / "model.json"
    subprocess.run(
        [sys.executable, "-m", "credo", "train", str(folder / "german_credit.csv"),
         "--target", "creditability", "--out", str(model), "--id", "applicant_id",
         "--dictionary", str(folder / "german_credit.json")],
        check=True, capture_output=True,
    )
    return folder, model


def test_train_score_explain_report(example, run, tmp_path):
    folder, model = example
    data = folder / "german_credit.csv"
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"scores{suffix}"
        code, stdout, _ = run("score", model, data, "--out", out)
        assert code == 0, stdout
        scores = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert len(scores) == 1000
        assert list(scores.columns[:3]) == ["applicant_id", "score", "band"]
        assert scores["score"].between(350, 950).all()
        assert {"reason_1", "reason_4", "credit_history", "tenure"} <= set(scores.columns)

    code, stdout, _ = run("explain", model, data, "--id", "A0002")
    assert code == 0
    assert "What lowers the score most" in stdout and "costs" in stdout

    code, stdout, _ = run("report", model, data)
    assert code == 0
    assert "AUC" in stdout and "Protected attributes kept out" in stdout
    document = json.loads(model.read_text())
    assert "age_in_years" in document["protected_excluded"]
    assert document["metadata"]["metrics"]["holdout"]["auc"] > 0.7


def _write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _table(n=200):
    import numpy as np

    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n), "y": rng.integers(0, 2, n)}
    )


@pytest.mark.parametrize(
    ("mutate", "args", "message"),
    [
        (lambda t: t, ["--target", "outcome"], "target column 'outcome' is not in the data"),
        (lambda t: t.assign(y=t["y"] + 1), [], "name the bad outcome with --bad"),
        (lambda t: t.assign(y=t["y"].astype(str).replace("0", "maybe")), ["--bad", "2"],
         "--bad '2' does not occur"),
        (lambda t: t.assign(x=1.0, c="a"), [], "every feature is constant or empty"),
        (lambda t: t.assign(x=t["x"].astype(object).where(t.index != 5, "oops")), [],
         "'x' is numeric but row 6 holds 'oops'"),
        (lambda t: t, ["--exclude", "nope"], "'nope' named in an option is not in"),
        (lambda t: t, ["--trend", "sideways"], "unknown trend 'sideways'"),
        (lambda t: t, ["--special", "x=abc"], "must look like COLUMN=NUMBER"),
        (lambda t: t, ["--min-bin-count", "-3"], "min_bin_count must be >= 0"),
        (lambda t: t, ["--woe-prior", "-1"], "woe_prior must be a finite number of rows >= 0"),
        (lambda t: t, ["--woe-prior", "inf"], "woe_prior must be a finite number of rows >= 0"),
        (lambda t: t, ["--min-iv", "nan"], "min_iv must be a finite number >= 0"),
        (lambda t: t, ["--min-iv", "-0.1"], "min_iv must be a finite number >= 0"),
        (lambda t: t, ["--max-correlation", "1.5"], "max_correlation must be in (0, 1]"),
        (lambda t: t, ["--max-correlation", "0"], "max_correlation must be in (0, 1]"),
        (lambda t: t, ["--refit-prior", "-1"], "refit_prior must be a finite number >= 0"),
        (lambda t: t, ["--refit-prior", "nan"], "refit_prior must be a finite number >= 0"),
        (lambda t: t, ["--min-bin-bads", "-2"], "min_bin_bads must be a whole number >= 0"),
        (lambda t: t, ["--allow-protected", "nope"], "'nope' named in an option is not in"),
    ],
)
def test_training_mistakes_get_one_clear_line(tmp_path, run, mutate, args, message):
    data = _write(tmp_path, "t.csv", mutate(_table()))
    code, _, err = run("train", data, "--target", "y", "--out", tmp_path / "m.json", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_constant_and_empty_features_are_left_out_with_their_reason(tmp_path, run):
    table = _table(400).assign(k=1.0, e=float("nan"))
    table["y"] = (table["x"] > 0.3).astype(int)
    data = _write(tmp_path, "t.csv", table)
    code, out, err = run("train", data, "--target", "y", "--out", tmp_path / "m.json")
    assert code == 0, err
    assert "k (constant (1) in the training sample)" in out
    assert "e (empty in the training sample)" in out
    document = json.loads((tmp_path / "m.json").read_text())
    reasons = {e["feature"]: e["reason"] for e in document["selection"]}
    assert reasons["k"] == "constant (1) in the training sample"
    assert reasons["e"] == "empty in the training sample"
    assert [f["name"] for f in document["features"]] == ["x"]


def test_bad_files_get_one_clear_line(tmp_path, run, example):
    _, model = example
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("x,y\n")
    wrong_kind = tmp_path / "data.xlsx"
    wrong_kind.write_text("x")
    truncated = tmp_path / "t.parquet"
    _table().to_parquet(truncated)
    truncated.write_bytes(truncated.read_bytes()[:100])
    cases = [
        (empty, "is empty"),
        (header_only, "has a header but no rows"),
        (wrong_kind, "unsupported file type .xlsx"),
        (truncated, "not a readable Parquet file"),
        (tmp_path / "absent.csv", "does not exist"),
    ]
    for path, message in cases:
        code, _, err = run("train", path, "--target", "y", "--out", tmp_path / "m.json")
        assert code == 2 and message in err and "Traceback" not in err, err
        code, _, err = run("score", model, path, "--out", tmp_path / "s.csv")
        assert code == 2 and message in err and "Traceback" not in err, err

    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(model.read_text()[:500])
    code, _, err = run("score", corrupt, tmp_path / "header.csv", "--out", tmp_path / "s.csv")
    assert code == 2 and "corrupt or truncated" in err

    code, _, err = run("explain", model, example[0] / "german_credit.csv", "--id", "nobody")
    assert code == 2 and "no row has applicant_id = 'nobody'" in err


def test_output_paths_are_checked_before_the_work(tmp_path, run, example):
    """A typo in --out is reported before training or scoring, not after it."""
    _, model = example
    data = _write(tmp_path, "t.csv", _table())
    (tmp_path / "folder.json").mkdir()
    cases = [
        (tmp_path / "absent" / "m.json", "folder '{}' does not exist".format(tmp_path / "absent")),
        (tmp_path / "folder.json", "is a folder: give a file name"),
        (tmp_path / "m.txt", "unsupported model file type .txt; use .json"),
    ]
    for out, message in cases:
        code, stdout, err = run("train", data, "--target", "y", "--out", out)
        assert code == 2 and message in err and "Traceback" not in err, err
        assert "written" not in stdout
        assert not out.is_file()
    code, stdout, err = run("score", model, data, "--out", tmp_path / "absent" / "s.csv")
    assert code == 2 and "does not exist: create it first" in err
    code, stdout, err = run("score", model, data, "--out", tmp_path / "s.xlsx")
    assert code == 2 and "unsupported output type .xlsx" in err


def test_a_failed_write_is_one_clear_line_and_leaves_no_partial_file(tmp_path):
    from credo.errors import InputError
    from credo.outputs import write_atomically

    target = tmp_path / "m.json"
    target.write_text("the previous model")

    def fails_half_way(path):
        path.write_text("half a mod")
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match=r"could not write the model to .*No space left"):
        write_atomically(target, fails_half_way, "model")
    assert target.read_text() == "the previous model"
    assert list(tmp_path.iterdir()) == [target]


def test_outputs_whose_folder_credo_makes(tmp_path):
    from credo.errors import InputError
    from credo.outputs import make_output_path

    made = make_output_path(tmp_path / "a" / "b" / "report.html", (".html",), "report")
    assert made.parent.is_dir() and not made.exists()
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(InputError, match=r"cannot make the folder .* for the report"):
        make_output_path(tmp_path / "file" / "report.html", (".html",), "report")
    with pytest.raises(InputError, match=r"unsupported report type \.htm; use \.html"):
        make_output_path(tmp_path / "report.htm", (".html",), "report")


def test_bad_dictionary_files_get_one_clear_line(tmp_path, run):
    data = _write(tmp_path, "t.csv", _table())
    not_json = tmp_path / "not.json"
    not_json.write_text("{dimension: ability")
    wrong_shape = tmp_path / "list.json"
    wrong_shape.write_text('{"features": ["x"]}')
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = [
        (tmp_path / "absent.json", "does not exist"),
        (not_json, "is not valid JSON"),
        (wrong_shape, "'features' must be an object keyed by column name"),
        (folder, "cannot be read"),
    ]
    for path, message in cases:
        code, _, err = run("train", data, "--target", "y", "--out", tmp_path / "m.json",
                           "--dictionary", path)
        assert code == 2 and message in err and "Traceback" not in err, err


def test_a_user_mistake_never_prints_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "credo", "score", str(tmp_path / "none.json"),
         str(tmp_path / "none.csv"), "--out", str(tmp_path / "s.csv")],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: model file '{tmp_path / 'none.json'}' does not exist"


def test_usage_errors_exit_2_with_usage(run):
    code, _, err = run("train")
    assert code == 2 and "needs DATA, --target and --out" in err
    code, _, err = run("score")
    assert code == 2 and "Missing argument" in err


def test_tuning_from_the_cli_is_recorded_in_the_model(example, run, tmp_path):
    folder, _ = example
    model = tmp_path / "tuned.json"
    code, stdout, err = run("train", folder / "german_credit.csv", "--target", "creditability",
                            "--id", "applicant_id", "--dictionary",
                            folder / "german_credit.json", "--out", model, "--tune",
                            "--min-bin-count", "30", "--woe-prior", "5")
    assert code == 0, stdout + err
    document = json.loads(model.read_text())
    assert document["parameters"]["min_bin_count"] == 30
    assert document["parameters"]["woe_prior"] == 5.0
    assert document["tuning"]["chosen"]
