"""The de minimis register's rules: who a single undertaking is, which aid counts
in the rolling window before an award, and how much of it. No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal


def undertaking_id(organisation_id: str, pic: str | None, vat_id: str | None) -> str:
    """A single undertaking is known by its PIC, else by its VAT id: the same company
    registered twice (or in two programmes) is still one undertaking."""
    if pic or vat_id:
        return enterprise_key(pic, vat_id)
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


Relation = Literal["controls", "controlled_by", "shares_controller"]
INVERSE: dict[Relation, Relation] = {
    "controls": "controlled_by",
    "controlled_by": "controls",
    "shares_controller": "shares_controller",
}
NotCounted = Literal["granted_after_window_end", "granted_before_window"]


def enterprise_key(pic: str | None, vat_id: str | None) -> str:
    """An enterprise named in a link, as the register keys it (PIC first)."""
    if pic:
        return f"PIC:{pic}"
    if vat_id:
        return f"VAT:{normal_vat(vat_id)}"
    raise ValueError("an enterprise is named by its PIC or its VAT id")


def normal_vat(vat_id: str) -> str:
    return "".join(vat_id.split()).upper()


def single_undertaking(start: str, links: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Every enterprise linked to `start`, directly or through others: a link holds
    both ways, and a cycle of links adds nobody twice."""
    neighbours: dict[str, set[str]] = {}
    for a, b in links:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    found, frontier = {start}, [start]
    while frontier:
        for other in neighbours.get(frontier.pop(), ()):
            if other not in found:
                found.add(other)
                frontier.append(other)
    return frozenset(found)


def undertaking_name(members: Iterable[str]) -> str:
    """The undertaking's identifier: the smallest of its members' keys, stable
    whichever member asks."""
    return min(members)


def counted_share(amount_cents: int, state_resources_percent: int) -> int:
    """The part of an award that is state aid, rounded up to the cent: the register
    never counts less than the state-resource share."""
    return -(-amount_cents * state_resources_percent // 100)


def eur_cents(amount_cents: int, rate_to_eur: Decimal) -> int:
    """Minor units of another currency in euro cents, at the rate recorded with the
    entry (euros per unit), rounded half up."""
    return int((Decimal(amount_cents) * rate_to_eur).quantize(Decimal(1), ROUND_HALF_UP))


def why_not_counted(granted_on: date, start: date, end: date) -> NotCounted | None:
    """Whether aid granted on `granted_on` counts in the window (start, end]; if not, why."""
    if granted_on > end:
        return "granted_after_window_end"
    if granted_on <= start:
        return "granted_before_window"
    return None
