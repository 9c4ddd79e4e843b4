"""Instalments split in integer cents: no cent lost or created."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.payments.money import split


def test_seventy_thirty_of_an_odd_amount_gives_the_remainder_to_the_last_instalment() -> None:
    assert split(100_001, [70, 30]) == [70_000, 30_001]


def test_thirds_of_a_cent_amount_add_up_exactly() -> None:
    assert split(100, [33, 33, 34]) == [33, 33, 34]
    assert split(1, [33, 33, 34]) == [0, 0, 1]


def test_a_single_instalment_takes_everything() -> None:
    assert split(4_999_999, [100]) == [4_999_999]


@pytest.mark.parametrize("percents", [[], [50, 40], [110, -10], [0, 100]])
def test_a_plan_that_does_not_add_up_to_a_hundred_is_refused(percents: list[int]) -> None:
    with pytest.raises(ValueError, match="instalment"):
        split(1000, percents)


@st.composite
def plans(draw: st.DrawFn) -> list[int]:
    cuts = sorted(draw(st.sets(st.integers(1, 99), max_size=5)))
    bounds = [0, *cuts, 100]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=300)
@given(amount=st.integers(0, 10**15), percents=plans())
def test_shares_add_up_to_the_amount_and_never_pay_early_more_than_their_percent(
    amount: int, percents: list[int]
) -> None:
    shares = split(amount, percents)
    assert sum(shares) == amount
    assert all(share >= 0 for share in shares)
    for share, percent in zip(shares[:-1], percents[:-1], strict=True):
        assert share * 100 <= amount * percent < (share + 1) * 100
