"""Redress without I/O: the review window's arithmetic, one request per
application, a reviewer never one of the evaluators, and where a re-evaluated
application stands among the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.applications.application_state import ApplicationState
from services.applications.re_evaluation import Standing, entries, new_rank, reserve_place
from services.applications.redress import (
    NotReviewable,
    ReviewAlreadyDecided,
    ReviewAlreadyRequested,
    ReviewerIsEvaluator,
    ReviewRequest,
    ReviewWindowClosed,
    window_open,
)
from shared.errors import RuleViolation

PUBLISHED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
UNTIL = PUBLISHED + timedelta(days=30)


def application(status: str) -> ApplicationState:
    a = ApplicationState("app-1")
    a.call_id, a.status = "call-1", status  # type: ignore[assignment]
    return a


def ask(
    a: ApplicationState, now: datetime, *, until: datetime | None = UNTIL, twice: bool = False
) -> ReviewRequest:
    review = ReviewRequest("r-1")
    review.request(a, until, twice, 1, "grounds", "sme", now)
    return review


def test_the_window_takes_the_last_second_and_refuses_the_deadline_itself() -> None:
    assert window_open(UNTIL, UNTIL - timedelta(seconds=1))
    assert not window_open(UNTIL, UNTIL)
    assert ask(application("rejected"), UNTIL - timedelta(seconds=1)).state == "requested"
    with pytest.raises(ReviewWindowClosed):
        ask(application("rejected"), UNTIL)


def test_only_rejected_or_reserve_applications_ask_once_after_the_results() -> None:
    with pytest.raises(NotReviewable):
        ask(application("selected"), PUBLISHED)
    with pytest.raises(RuleViolation) as early:
        ask(application("reserve"), PUBLISHED, until=None)
    assert early.value.code == "results_not_published"
    with pytest.raises(ReviewAlreadyRequested):
        ask(application("reserve"), PUBLISHED, twice=True)


def test_a_reviewer_who_evaluated_the_application_cannot_decide_and_a_decision_is_final() -> None:
    review = ask(application("rejected"), PUBLISHED)
    with pytest.raises(ReviewerIsEvaluator):
        review.decide("upheld", "r", "ev-sub", frozenset({"ev-sub"}), 1, PUBLISHED)
    review.decide("dismissed", "no new fact", "rita", frozenset({"ev-sub"}), 3, PUBLISHED)
    assert (review.state, review.decided and review.decided.re_evaluators) == ("dismissed", 0)
    with pytest.raises(ReviewAlreadyDecided):
        review.decide("upheld", "r", "rita", frozenset(), 1, PUBLISHED)


OTHERS = [
    Standing("a", 5.0, 1, True, "selected", None),
    Standing("b", 4.0, 2, True, "reserve", 1),
    Standing("c", 3.6, 3, True, "reserve", 2),
    Standing("d", 2.0, 4, False, "rejected", None),
]


def test_a_re_evaluated_application_ranks_by_score_ties_to_the_earlier_receipt() -> None:
    assert new_rank(OTHERS, 4.6, 9) == 2
    assert new_rank(OTHERS, 4.0, 9) == 3  # b has the same score and came first
    assert new_rank(OTHERS, 4.0, 0) == 2


def test_the_reserve_place_is_after_the_last_reserve_above_and_the_rest_move_on() -> None:
    assert reserve_place(OTHERS, 4.6, 9) == (1, {"b": 2, "c": 3})
    assert reserve_place(OTHERS, 3.8, 9) == (2, {"c": 3})
    assert reserve_place(OTHERS, 3.5, 9) == (3, {})


def test_a_version_ranks_the_passed_again_and_keeps_every_outcome() -> None:
    items = [
        {
            "application_id": "a",
            "rank": 1,
            "score": 5.0,
            "receipt": 1,
            "status": "selected",
            "reserve_rank": None,
        },
        {
            "application_id": "b",
            "rank": 2,
            "score": 4.0,
            "receipt": 2,
            "status": "reserve",
            "reserve_rank": 2,
        },
        {
            "application_id": "x",
            "rank": 2,
            "score": 4.6,
            "receipt": 9,
            "status": "reserve",
            "reserve_rank": 1,
        },
        {
            "application_id": "d",
            "rank": None,
            "score": 2.0,
            "receipt": 4,
            "status": "rejected",
            "reserve_rank": None,
        },
    ]
    assert [(e.application_id, e.rank, e.status) for e in entries(items)] == [
        ("a", 1, "selected"),
        ("x", 2, "reserve"),
        ("b", 3, "reserve"),
        ("d", None, "rejected"),
    ]
