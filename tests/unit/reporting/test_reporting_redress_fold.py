"""Review requests folded from their stream and counted per call: requested,
upheld, dismissed, and re-evaluations that changed the outcome."""

from __future__ import annotations

from services.applications.events import ReEvaluationCompleted, ReviewDecided, ReviewRequested
from services.reporting.figures import Scope, figures
from services.reporting.records import StreamRecord
from shared.events import Event
from tests.support.calls import DAY, T0
from tests.support.reporting_events import chain, folded


def review(stream: str, call_id: str, *later: Event) -> StreamRecord:
    """The record of a request's stream after the request and `later` events."""
    asked = ReviewRequested(
        review_request_id=stream,
        application_id=f"app-{stream}",
        call_id=call_id,
        programme_id="p-1",
        outcome="rejected",
        ranking_version=1,
        grounds="overlooked",
        requested_by="sme",
        requested_at=T0,
    )
    events = [asked, *later]
    return folded(chain(stream, [(e, T0) for e in events]), events)


def decided(stream: str, outcome: str) -> ReviewDecided:
    return ReviewDecided(
        review_request_id=stream,
        application_id=f"app-{stream}",
        call_id="c-1",
        outcome=outcome,  # type: ignore[arg-type]
        reasons="because",
        decided_by="rita",
        decided_at=T0 + DAY,
    )


def completed(stream: str, changed: bool) -> ReEvaluationCompleted:
    return ReEvaluationCompleted(
        review_request_id=stream,
        application_id=f"app-{stream}",
        call_id="c-1",
        score=4.5,
        passed=True,
        previous_status="rejected",
        status="selected" if changed else "rejected",
        outcome_changed=changed,
        ranking_version=2 if changed else None,
        completed_at=T0 + 2 * DAY,
    )


def test_requests_upheld_dismissed_and_changed_outcomes_are_counted_per_call() -> None:
    records = [
        review("r1", "c-1", decided("r1", "upheld"), completed("r1", True)),
        review("r2", "c-1", decided("r2", "upheld"), completed("r2", False)),
        review("r3", "c-1", decided("r3", "dismissed")),
        review("r4", "c-1"),
        review("r5", "c-2", decided("r5", "upheld")),
    ]
    scope = Scope.of(records)

    assert figures(scope.only_call("c-1"))["review_requests"] == {
        "requested": 4,
        "upheld": 2,
        "dismissed": 1,
        "outcome_changed": 1,
    }
    assert figures(scope)["review_requests"]["requested"] == 5
    assert records[3].call_id == "c-1"
