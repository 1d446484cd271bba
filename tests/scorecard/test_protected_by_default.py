"""Protected by default: a column that reads as a protected attribute is no model input
unless a dictionary or the analyst says so, on the record."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credo.errors import ConfigError
from credo.policy.protected import looks_protected
from credo.scorecard import DataDictionary, Scorecard

GERMAN_PROTECTED = ["age_in_years", "foreign_worker", "personal_status_and_sex"]


@pytest.mark.parametrize("name", [
    "age_in_years", "ApplicantAge", "personal_status_and_sex", "foreign_worker", "Gender",
    "date_of_birth", "birthdate", "marital-status", "nationality", "ethnicity_code",
    "religion", "has disability", "age band",
])
def test_names_that_read_as_protected_attributes(name):
    assert looks_protected(name)


@pytest.mark.parametrize("name", [
    "mortgage_balance", "average_account_days", "usage", "telephone", "page_views",
    "present_residence_since", "duration_in_month", "credit_amount", "savings",
])
def test_names_that_do_not(name):
    assert not looks_protected(name)


@given(st.sampled_from(["age", "sex", "gender", "nationality", "religion"]),
       st.sampled_from(["", "applicant_", "x_"]), st.sampled_from(["", "_code", "_2"]))
def test_any_spelling_around_a_protected_word_is_caught(word, prefix, suffix):
    assert looks_protected(prefix + word + suffix)
    assert looks_protected((prefix + word + suffix).upper())


def test_german_credit_as_it_comes_keeps_age_sex_and_nationality_out(german):
    X, y, _ = german
    model = Scorecard().fit(X, y)  # no dictionary at all
    assert model.protected_ == GERMAN_PROTECTED
    candidates = {e.feature for e in model.selection_}
    assert not candidates & set(GERMAN_PROTECTED)
    assert not set(model.feature_names_) & set(GERMAN_PROTECTED)


def test_allowing_one_column_puts_it_back_on_the_record(german):
    X, y, _ = german
    model = Scorecard(allow_protected=["age_in_years"]).fit(X, y)
    assert model.protected_ == ["foreign_worker", "personal_status_and_sex"]
    assert "age_in_years" in {e.feature for e in model.selection_}


def test_a_dictionary_that_lists_the_column_as_a_feature_lets_it_in(german):
    X, y, _ = german
    dictionary = DataDictionary.from_dict({"features": {"age_in_years": {}}})
    model = Scorecard(dictionary=dictionary).fit(X, y)
    assert "age_in_years" not in model.protected_
    assert "age_in_years" in {e.feature for e in model.selection_}


def test_the_dictionarys_protected_columns_can_never_be_allowed(german):
    X, y, dictionary = german
    with pytest.raises(ConfigError, match="can never be model inputs"):
        Scorecard(dictionary=dictionary, allow_protected=["age_in_years"]).fit(X, y)


def test_the_cli_names_what_it_kept_out(tmp_path, capsys, monkeypatch):
    from credo.datasets import german_credit_path
    from tests.cli import invoke

    out = tmp_path / "m.json"
    code, stdout, err = invoke(monkeypatch, capsys, "train", german_credit_path(), "--target",
                               "creditability", "--out", out)
    assert code == 0, err
    assert "protected attributes kept out: " + ", ".join(GERMAN_PROTECTED) in stdout
    code, _, err = invoke(monkeypatch, capsys, "train", german_credit_path(), "--target",
                          "creditability", "--out", out, "--allow-protected", "nope")
    assert code == 2 and "'nope' named in an option is not in" in err
