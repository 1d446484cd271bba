"""Money: the currency codes credo accepts, the lake's reporting currency, and an amount
in words.

Records carry amounts as integer cents with their ``currency`` (an ISO 4217 code). The
features add amounts up across a person's records without converting them, so a lake is
kept in one currency: the reporting currency, set once (``CREDO_CURRENCY``, checked by
:class:`credo.config.Settings`), in which every aggregate (a bin of monthly income, a
reason) is worded. A single record is worded in its own currency.

Every place that puts money in words calls :func:`money_in_words`.
"""

from __future__ import annotations

from credo.errors import ConfigError

# Active ISO 4217 codes (funds and precious metals left out on purpose).
CURRENCIES = (
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
)

# What the simulator writes, and the reporting currency unless CREDO_CURRENCY says other.
DEFAULT_CURRENCY = "EUR"


def check_currency(code: str, source: str = "CREDO_CURRENCY") -> str:
    """``code`` if it is an ISO 4217 code credo accepts, else a ConfigError saying what to
    set instead."""
    if code in CURRENCIES:
        return code
    hint = f" (did you mean {code.upper()}?)" if code.upper() in CURRENCIES else ""
    raise ConfigError(
        f"{source} {code[:40]!r} is not an ISO 4217 currency code{hint}: set it to the "
        f"three capital letters of the currency your sources report in, e.g. "
        f"{DEFAULT_CURRENCY}, GBP or USD"
    )


def money_in_words(cents: float, currency: str, *, whole: bool = False) -> str:
    """An amount of ``cents`` as a person reads it: ``EUR 1,234.50``, or with ``whole``
    rounded to whole units (``EUR 805``), for aggregates whose cents mean nothing."""
    units = cents / 100
    return f"{currency} {units:,.0f}" if whole else f"{currency} {units:,.2f}"
