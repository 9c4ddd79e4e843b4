"""The value types every service's commands, events and queries share: money,
instants, and JSON documents people write (forms and their answers)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field

MAX_CENTS = 10**15  # ten trillion in major units: far above any programme, far below bigint

Cents = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_CENTS,
        strict=True,
        description="An amount in minor units (cents): an integer, "
        "never a string, a boolean or a number with a fraction or exponent",
    ),
]
"""Money: integer minor units. Strict, so `"100"`, `true` and `1e3` are refused."""


def _in_utc(value: datetime) -> datetime:
    # An offset can push an instant at the calendar's edge out of it
    # (0001-01-01T00:00+14:00 is in year 0 in UTC): say so, as a field error.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is outside the years 1 to 9999 in UTC") from None


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""An RFC 3339 instant with an offset on input; UTC in storage, events and answers."""

MAX_DOCUMENT_DEPTH = 64


def deeper_than(document: Any, levels: int) -> bool:
    """Whether objects and arrays nest in `document` more than `levels` deep
    (without recursion: the document may be deeper than Python's stack)."""
    level = [document] if isinstance(document, dict | list) else []
    for _ in range(levels):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _portable(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinities are not JSON numbers")
        # PostgreSQL writes 1e+20 back as 100000000000000000000, which reads as an
        # int: an integral number is kept as one, so a stored event hashes the same.
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: _portable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_portable(item) for item in value]
    return value


def _document(value: dict[str, Any]) -> dict[str, Any]:
    if deeper_than(value, MAX_DOCUMENT_DEPTH):
        raise ValueError(f"the document nests deeper than {MAX_DOCUMENT_DEPTH} levels")
    portable: dict[str, Any] = _portable(value)
    return portable


JsonDocument = Annotated[dict[str, Any], AfterValidator(_document)]
"""A JSON object written by a person: at most 64 levels deep, finite numbers, an
integral number as an integer, so that it reads back from PostgreSQL as it was
written."""

# Symbols of the currencies Cascade's programmes use; any other shows its ISO code.
_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF "}
# ISO 4217 currencies with no minor unit, or with three decimals.
_EXPONENTS = {"JPY": 0, "ISK": 0, "KRW": 0, "BHD": 3, "KWD": 3, "TND": 3}


def minor_exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has (2 for EUR: cents)."""
    return _EXPONENTS.get(currency, 2)


def major_units(cents: int, currency: str) -> Decimal:
    """An amount in minor units as an exact decimal of major units (no float rounding)."""
    return Decimal(cents).scaleb(-minor_exponent(currency))


def format_money(cents: int, currency: str, *, decimals: bool = True) -> str:
    """`1234567` EUR as `€12,345.67` (or `€12,345` without decimals): the one way
    Cascade writes an amount for people."""
    amount = major_units(cents, currency)
    places = minor_exponent(currency) if decimals else 0
    text = f"{abs(amount):,.{places}f}"
    sign = "-" if amount < 0 else ""
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"
