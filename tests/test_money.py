"""Money in words: one function, the lake's reporting currency a checked setting, and
every amount a person or an operator reads carries its currency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credo.config import Settings
from credo.data.schemas import CURRENCIES as RECORD_CURRENCIES
from credo.errors import ConfigError
from credo.features.wording import bin_in_words
from credo.money import CURRENCIES, DEFAULT_CURRENCY, check_currency, money_in_words
from credo.pipeline.scenarios import OpenAccount, PayDown
from credo.simulate.sources import CURRENCY as SIMULATED

from .cli import invoke


def test_money_reads_with_its_currency() -> None:
    assert money_in_words(123450, "EUR") == "EUR 1,234.50"
    assert money_in_words(80_549, "GBP", whole=True) == "GBP 805"
    assert money_in_words(0, "JPY") == "JPY 0.00"


@given(cents=st.integers(0, 10**13), currency=st.sampled_from(CURRENCIES))
def test_an_amount_in_words_says_the_exact_cents(cents: int, currency: str) -> None:
    code, amount = money_in_words(cents, currency).split(" ")
    assert code == currency
    units, _, hundredths = amount.replace(",", "").partition(".")
    assert int(units) * 100 + int(hundredths) == cents


def test_the_default_is_what_the_simulator_writes_and_records_may_carry() -> None:
    assert Settings().currency == DEFAULT_CURRENCY == SIMULATED
    assert RECORD_CURRENCIES is CURRENCIES  # one list for the records and the setting


def test_the_reporting_currency_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CREDO_CURRENCY", "GBP")
    assert Settings.from_env().currency == "GBP"
    monkeypatch.setenv("CREDO_CURRENCY", "")
    assert Settings.from_env().currency == DEFAULT_CURRENCY


@pytest.mark.parametrize(("value", "says"), [
    ("eur", "did you mean EUR"),
    ("EURO", "not an ISO 4217 currency code"),
    ("XXX", "e.g. EUR, GBP or USD"),
])
def test_a_bad_currency_is_one_clear_error(monkeypatch, value: str, says: str) -> None:
    monkeypatch.setenv("CREDO_CURRENCY", value)
    with pytest.raises(ConfigError, match=says) as raised:
        Settings.from_env()
    assert "CREDO_CURRENCY" in str(raised.value)
    with pytest.raises(ConfigError, match=says):
        check_currency(value)


def test_a_command_with_a_bad_currency_stops_with_exit_code_2(monkeypatch, capsys,
                                                             tmp_path) -> None:
    monkeypatch.setenv("CREDO_HOME", str(tmp_path))
    monkeypatch.setenv("CREDO_CURRENCY", "Euro")
    code, out, err = invoke(monkeypatch, capsys, "run", "--as-of", "2025-01-01")
    assert code == 2 and out == ""
    assert "CREDO_CURRENCY 'Euro' is not an ISO 4217 currency code" in err
    assert "Traceback" not in err


def test_catalogue_money_bins_read_in_the_reporting_currency() -> None:
    assert bin_in_words("income_monthly_12m", "[62473.8, 150992)", "EUR") == \
        "from EUR 625 a month to under EUR 1,510 a month"
    assert bin_in_words("card_limit_total", ">= 500000", "CHF") == "CHF 5,000 or more"


def test_what_if_steps_name_the_currency() -> None:
    assert PayDown("acc-1", 25_000).describe("EUR") == \
        "Pay the balance of account acc-1 down to EUR 250.00"
    assert OpenAccount("credit_card", 150_000).describe("GBP") == \
        "Open a new credit card account with a limit of GBP 1,500.00"
