"""Invariants of the what-if's building blocks, for any input."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from credo.pipeline.scenarios import add_months
from credo.portal.whatif import cents

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


@given(days, st.integers(min_value=0, max_value=240))
def test_months_ahead_land_in_the_right_month_on_a_valid_day(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == min(day.day, calendar.monthrange(later.year, later.month)[1])
    end = add_months(day, months, month_end=True)
    assert end.day == calendar.monthrange(end.year, end.month)[1]


@example(10**13)
@given(st.integers(min_value=0, max_value=10**13))
def test_an_amount_as_the_records_page_shows_it_reads_back_as_the_same_cents(value: int):
    assert cents(f"{value / 100:,.2f}" if value < 10**11 else f"{value // 100}.{value % 100:02d}",
                 "amount") == value


def test_more_than_the_contract_allows_is_refused() -> None:
    import pytest

    from credo.service.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="at most"):
        cents("100000000000.01", "amount")
