"""Splitting a grant into its instalments in integer cents, with no cent lost or created."""

from __future__ import annotations

from collections.abc import Sequence


def split(amount_cents: int, percents: Sequence[int]) -> list[int]:
    """Each instalment's share of `amount_cents`, rounded down, except the last,
    which takes the remainder: the shares always add up to the amount exactly.

    Rounding every share down and giving the rounding to the last instalment
    keeps the money paid early from ever exceeding its percentage."""
    if not percents:
        raise ValueError("an instalment plan has at least one instalment")
    if sum(percents) != 100 or any(p <= 0 for p in percents):
        raise ValueError(f"instalment percents must be positive and add up to 100: {percents}")
    if amount_cents < 0:
        raise ValueError("an amount is never negative")
    shares = [amount_cents * percent // 100 for percent in percents[:-1]]
    return [*shares, amount_cents - sum(shares)]
