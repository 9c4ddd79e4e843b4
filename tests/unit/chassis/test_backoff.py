"""The one backoff schedule: doubling from the first wait up to the cap, jitter in the upper half."""

from __future__ import annotations

from shared.backoff import Backoff


def test_waits_double_from_the_first_up_to_the_cap() -> None:
    backoff = Backoff(first_s=0.1, cap_s=1.0)
    assert [backoff.delay(retry) for retry in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_a_huge_retry_count_stays_at_the_cap() -> None:
    assert Backoff(first_s=0.1, cap_s=3.0).delay(10_000) == 3.0


def test_jittered_waits_stay_in_the_upper_half_of_the_plain_wait() -> None:
    backoff = Backoff(first_s=0.1, cap_s=1.0, jitter=True)
    for retry in range(8):
        plain = min(1.0, 0.1 * 2**retry)
        waits = {backoff.delay(retry) for _ in range(50)}
        assert all(plain / 2 <= wait <= plain for wait in waits)
        assert len(waits) > 1


def test_from_milliseconds() -> None:
    assert Backoff.from_ms(200, 30.0).delay(1) == 0.4
