"""Projecting redress from `applications.events`: each review request's stream. No I/O."""

from __future__ import annotations

from services.applications import events as applications
from services.reporting.fold.dispatch import project
from services.reporting.records import ReviewFacts, StreamRecord
from shared.events import Envelope


@project.register
def review_requested(
    event: applications.ReviewRequested, record: StreamRecord, envelope: Envelope
) -> None:
    record.review = ReviewFacts(
        review_request_id=event.review_request_id,
        application_id=event.application_id,
        call_id=event.call_id,
        programme_id=event.programme_id,
        requested_at=event.requested_at,
    )


@project.register
def review_decided(
    event: applications.ReviewDecided, record: StreamRecord, envelope: Envelope
) -> None:
    review = _review(record)
    review.state, review.upheld = event.outcome, event.outcome == "upheld"


@project.register
def re_evaluation_completed(
    event: applications.ReEvaluationCompleted, record: StreamRecord, envelope: Envelope
) -> None:
    review = _review(record)
    review.state, review.outcome_changed = "re_evaluated", event.outcome_changed


def _review(record: StreamRecord) -> ReviewFacts:
    if record.review is None:
        raise ValueError(f"stream {record.stream_id} has review events but no request")
    return record.review
