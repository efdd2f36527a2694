"""Money is Decimal plus Stripe's minor units per currency; shown with Babel for the page's language."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.money import MINOR_UNITS, MoneyError, from_minor, money_format, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.50", "EUR", 1250), ("0.5", "USD", 50), ("2000", "JPY", 2000), ("20000", "KRW", 20000), ("250", "MXN", 25000)],
)
def test_amounts_go_to_stripes_minor_units_and_back(amount: str, currency: str, minor: int) -> None:
    assert to_minor(Decimal(amount), currency) == minor
    assert from_minor(minor, currency) == Decimal(amount)


def test_amounts_finer_than_the_currency_are_refused() -> None:
    with pytest.raises(MoneyError):
        to_minor(Decimal("2000.5"), "JPY")
    with pytest.raises(MoneyError):
        to_minor(Decimal("12.505"), "EUR")
    with pytest.raises(MoneyError):
        to_minor(Decimal("1"), "XXX")


def test_the_table_has_stripes_zero_decimal_currencies_and_no_special_cases() -> None:
    assert {code for code, digits in MINOR_UNITS.items() if digits == 0} >= {"JPY", "KRW", "CLP", "VND"}
    assert not {"HUF", "ISK", "TWD", "UGX", "KWD", "BHD"} & set(MINOR_UNITS)
    assert set(MINOR_UNITS.values()) == {0, 2}


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        ("12.50", "EUR", "es", "12,50\xa0€"),
        ("12.50", "EUR", "en", "€12.50"),
        ("1500", "JPY", "en", "¥1,500"),
        ("250", "MXN", "es", "250,00\xa0MXN"),
        ("15", "USD", "en", "$15.00"),
    ],
)
def test_amounts_are_shown_for_the_pages_language(amount: str, currency: str, language: str, shown: str) -> None:
    assert money_format(Decimal(amount), currency, language=language) == shown
