"""The call replica decides alone whether a call accepts a submission now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.applications.replica import CallReplica
from services.calls.events import CallTerms
from shared.errors import RuleViolation

OPENS = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 4, 1, 17, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def call(status: str = "open") -> CallReplica:
    terms = CallTerms.model_validate(
        {
            "code": "V1",
            "title": "Vouchers",
            "kind": "innovation_voucher",
            "selection_mode": "first_come_first_served",
            "budget_cents": 100,
            "max_grant_cents": 10,
            "min_grant_cents": 1,
            "opens_at": OPENS,
            "closes_at": CLOSES,
            "objectives": ["adopt"],
            "instalments": [{"label": "All", "percent": 100, "trigger": "on_signature"}],
        }
    )
    return CallReplica("c", "p", status, 1, terms)


def test_one_second_before_the_deadline_is_kept_and_one_second_after_is_refused() -> None:
    assert call().accepts_submissions(CLOSES - SECOND)
    assert not call().accepts_submissions(CLOSES)
    with pytest.raises(RuleViolation) as refused:
        call().refuse_unless_open(CLOSES + SECOND)
    assert refused.value.code == "call_closed"


def test_a_published_call_accepts_from_its_opening_even_before_the_opened_event() -> None:
    assert not call("published").accepts_submissions(OPENS - SECOND)
    assert call("published").accepts_submissions(OPENS)


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled"])
def test_a_call_that_is_not_published_or_open_refuses(status: str) -> None:
    assert not call(status).accepts_submissions(OPENS + SECOND)


def test_the_available_budget_is_what_selections_left() -> None:
    replica = call()
    replica.committed_cents = 70
    assert replica.available_cents == 30
