"""Redress: a review request of a rejected or reserve application, once, within
the call's review window after its results are published, decided by a
reviewer who is not one of the application's evaluators. Its events are the
request's own stream. No I/O."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Literal

from services.applications.application_state import ApplicationState
from services.applications.events import (
    ReEvaluationCompleted,
    ReviewDecided,
    ReviewRequested,
    ReviewState,
)
from shared.aggregate import Aggregate
from shared.errors import Forbidden, RuleViolation
from shared.events import Event

REVIEWABLE = ("rejected", "reserve")


class NotReviewable(RuleViolation):
    code = "not_reviewable"


class ReviewWindowClosed(RuleViolation):
    code = "review_window_closed"


class ReviewAlreadyRequested(RuleViolation):
    code = "review_already_requested"


class ReviewAlreadyDecided(RuleViolation):
    code = "review_already_decided"


class ReviewerIsEvaluator(Forbidden):
    code = "reviewer_is_evaluator"


def window_open(review_requests_until: datetime, now: datetime) -> bool:
    """Requests are taken until strictly before the window's end: one second late is late."""
    return now < review_requests_until


class ReviewRequest(Aggregate):
    stream_type = "review_request"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.application_id = self.call_id = ""
        self.state: ReviewState = "requested"
        self.requested: ReviewRequested | None = None
        self.decided: ReviewDecided | None = None
        self.completed: ReEvaluationCompleted | None = None

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _requested(self, event: ReviewRequested) -> None:
        self.application_id, self.call_id = event.application_id, event.call_id
        self.state, self.requested = "requested", event

    @apply.register
    def _decided(self, event: ReviewDecided) -> None:
        self.state, self.decided = event.outcome, event

    @apply.register
    def _completed(self, event: ReEvaluationCompleted) -> None:
        self.state, self.completed = "re_evaluated", event

    def request(
        self,
        a: ApplicationState,
        review_requests_until: datetime | None,
        already_requested: bool,
        ranking_version: int,
        grounds: str,
        sub: str,
        now: datetime,
    ) -> None:
        """Ask for a review of `a` (whose lead the caller is a member of)."""
        if a.status not in REVIEWABLE:
            raise NotReviewable(
                f"only a rejected or reserve application may ask for a review, not a {a.status} one",
                application_status=a.status,
            )
        if review_requests_until is None:
            raise RuleViolation(
                "the call's results are not published yet", code="results_not_published"
            )
        if already_requested:
            raise ReviewAlreadyRequested("a review of this application was already requested")
        if not window_open(review_requests_until, now):
            raise ReviewWindowClosed(
                f"review requests were taken until {review_requests_until.isoformat()}",
                review_requests_until=review_requests_until.isoformat(),
            )
        outcome: Literal["rejected", "reserve"] = (
            "rejected" if a.status == "rejected" else "reserve"
        )
        self.record(
            ReviewRequested(
                review_request_id=self.id,
                application_id=a.id,
                call_id=a.call_id,
                programme_id=a.programme_id,
                outcome=outcome,
                reserve_rank=a.reserve_rank if outcome == "reserve" else None,
                ranking_version=ranking_version,
                grounds=grounds,
                requested_by=sub,
                requested_at=now,
            )
        )

    def decide(
        self,
        outcome: Literal["upheld", "dismissed"],
        reasons: str,
        reviewer_sub: str,
        evaluator_subs: frozenset[str],
        re_evaluators: int,
        now: datetime,
    ) -> None:
        """`evaluator_subs` are the subjects of everyone who sat on the
        application's evaluation panel: none of them may decide."""
        if reviewer_sub in evaluator_subs:
            raise ReviewerIsEvaluator(
                "a reviewer who evaluated the application cannot decide its review"
            )
        if self.state != "requested":
            raise ReviewAlreadyDecided(f"the review is already {self.state}", state=self.state)
        self.record(
            ReviewDecided(
                review_request_id=self.id,
                application_id=self.application_id,
                call_id=self.call_id,
                outcome=outcome,
                reasons=reasons,
                decided_by=reviewer_sub,
                re_evaluators=re_evaluators if outcome == "upheld" else 0,
                decided_at=now,
            )
        )
