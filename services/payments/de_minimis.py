"""The de minimis register's rules: who an undertaking is, and which aid counts
in the rolling window before an award. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def undertaking_id(organisation_id: str, pic: str | None, vat_id: str | None) -> str:
    """A single undertaking is known by its PIC, else by its VAT id: the same company
    registered twice (or in two programmes) is still one undertaking."""
    if pic:
        return f"PIC:{pic}"
    if vat_id:
        return f"VAT:{vat_id.upper()}"
    return f"ORG:{organisation_id}"


def window_start(award_date: date, window_years: int) -> date:
    """The day before which aid no longer counts: aid awarded after this date, in the
    `window_years` up to the award date, does. 29 February falls back to the 28th."""
    year = award_date.year - window_years
    if year < date.min.year:
        return date.min
    try:
        return award_date.replace(year=year)
    except ValueError:
        return award_date.replace(year=year, day=28)


@dataclass(frozen=True)
class Headroom:
    ceiling_cents: int
    aid_cents: int

    @property
    def headroom_cents(self) -> int:
        return max(self.ceiling_cents - self.aid_cents, 0)

    def allows(self, amount_cents: int) -> bool:
        return self.aid_cents + amount_cents <= self.ceiling_cents
