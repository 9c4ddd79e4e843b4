"""A call's results: published once, after the selection, opening the review window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.calls.domain import Call
from services.calls.events import CallResultsPublished
from shared.errors import RuleViolation
from tests.unit.calls.test_call_domain import programme, terms

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def closed_call(**changes: object) -> Call:
    call = Call("c-1")
    call.draft(programme(), terms(**changes), T0)
    call.publish(T0)
    call.advance(T0 + timedelta(days=31))
    assert call.status == "closed"
    return call


def test_results_wait_for_the_selection() -> None:
    call = closed_call()
    with pytest.raises(RuleViolation) as refused:
        call.publish_results(T0 + timedelta(days=40))
    assert refused.value.code == "selection_not_made"


def test_the_review_window_is_the_calls_days_after_publication() -> None:
    call = closed_call(review_request_days=14)
    call.record_selection(1, 2, 1, 3, T0 + timedelta(days=39))
    call.record_selection(1, 2, 1, 3, T0 + timedelta(days=39))  # a replay adds nothing
    published_at = T0 + timedelta(days=40, seconds=5)
    call.publish_results(published_at)
    event = call.pending[-1]
    assert isinstance(event, CallResultsPublished)
    assert event.review_requests_until == published_at + timedelta(days=14)
    assert call.status == "results_published"
    assert sum(type(e).__name__ == "CallSelectionRecorded" for e in call.pending) == 1
    with pytest.raises(RuleViolation) as again:
        call.publish_results(published_at)
    assert again.value.code == "results_already_published"


def test_review_request_days_defaults_to_thirty() -> None:
    assert terms().review_request_days == 30
