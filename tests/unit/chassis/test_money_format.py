"""One way to write an amount for people: minor units of a currency, exactly."""

from __future__ import annotations

from decimal import Decimal

from shared.values import format_money, major_units


def test_an_amount_is_written_in_its_currency_with_exact_decimals() -> None:
    assert format_money(1_999, "EUR") == "€19.99"
    assert format_money(4_000_000_00, "EUR") == "€4,000,000.00"
    assert format_money(5_000_000, "CHF") == "CHF 50,000.00"
    assert format_money(123_456, "PLN") == "1,234.56 PLN"
    assert format_money(-150, "GBP") == "-£1.50"


def test_a_currency_without_minor_units_has_no_decimals() -> None:
    assert format_money(5_000, "JPY") == "5,000 JPY"
    assert major_units(5_000, "JPY") == Decimal(5_000)


def test_major_units_are_exact_where_a_float_division_is_not() -> None:
    assert major_units(1_999, "EUR") == Decimal("19.99")
    assert float(major_units(1_999, "EUR")) == 19.99
