"""The evaluation summary report from an application's events: consensus
scores, the manager's consolidated comments, thresholds and outcome, and no
evaluator named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.applications.application_state import ApplicationState
from services.applications.esr import NotRanked, UnknownCriterion, consolidation, report
from services.applications.events import (
    ApplicationRanked,
    ApplicationRejected,
    ApplicationReserved,
    EvaluationSubmitted,
    EvaluatorAssigned,
)
from services.calls.events import Criterion

NOW = datetime(2026, 5, 1, tzinfo=UTC)
CRITERIA = (
    Criterion(code="excellence", title="Excellence", weight=3, max_score=5, threshold=3),
    Criterion(code="impact", title="Impact", weight=2, max_score=5, threshold=2.5),
)


def evaluated(*scores: tuple[float, float]) -> ApplicationState:
    a = ApplicationState("app-1")
    a.call_id = "call-1"
    for n, (excellence, impact) in enumerate(scores):
        a.apply(
            EvaluatorAssigned(
                assignment_id=f"s{n}",
                application_id=a.id,
                call_id="call-1",
                evaluator_id=f"ev-{n}",
                cause="initial",
                assigned_at=NOW,
            )
        )
        a.apply(
            EvaluationSubmitted(
                application_id=a.id,
                call_id="call-1",
                assignment_id=f"s{n}",
                evaluator_id=f"ev-{n}",
                scores={"excellence": excellence, "impact": impact},
                total=0,
                comment=f"comment {n}",
                submitted_at=NOW,
            )
        )
    return a


def ranked(a: ApplicationState, means: dict[str, float], score: float, passed: bool) -> None:
    a.apply(
        ApplicationRanked(
            application_id=a.id,
            call_id="call-1",
            rank=1 if passed else None,
            score=score,
            criterion_scores=means,
            passed=passed,
            reason="excellence scored 2.5, below its threshold 3",
            ranked_at=NOW,
        )
    )


def test_a_report_waits_for_the_ranking() -> None:
    with pytest.raises(NotRanked):
        report(evaluated((4, 4)), CRITERIA, 3.5, for_staff=False)
    with pytest.raises(NotRanked):
        consolidation(evaluated((4, 4)), CRITERIA, {"impact": "x"}, NOW)


def test_the_rejected_read_each_criterion_with_its_threshold_and_the_consolidated_comment() -> None:
    a = evaluated((2, 4), (3, 4))
    ranked(a, {"excellence": 2.5, "impact": 4.0}, 3.1, False)
    a.apply(
        ApplicationRejected(
            application_id=a.id,
            call_id="call-1",
            reason_code="below_threshold",
            reason="excellence scored 2.5, below its threshold 3",
            rejected_at=NOW,
        )
    )
    a.apply(consolidation(a, CRITERIA, {"excellence": "No state of the art."}, NOW))
    a.apply(consolidation(a, CRITERIA, {"impact": "Clear market."}, NOW))

    seen = report(a, CRITERIA, 3.5, for_staff=False)

    assert [(c["code"], c["score"], c["passed"], c["comment"]) for c in seen["criteria"]] == [
        ("excellence", 2.5, False, "No state of the art."),
        ("impact", 4.0, True, "Clear market."),
    ]
    assert (seen["outcome"], seen["passed"], seen["evaluations"]) == ("rejected", False, 2)
    assert "below its threshold" in seen["reason"]
    assert "ev-0" not in str(seen)
    assert "evaluator_comments" not in seen
    assert report(a, CRITERIA, 3.5, for_staff=True)["evaluator_comments"] == [
        "comment 0",
        "comment 1",
    ]


def test_a_reserve_reads_its_position() -> None:
    a = evaluated((4, 4))
    ranked(a, {"excellence": 4.0, "impact": 4.0}, 4.0, True)
    a.apply(
        ApplicationReserved(
            application_id=a.id,
            call_id="call-1",
            reason_code="below_budget_line",
            reason="does not fit",
            reserve_rank=2,
            reserved_at=NOW,
        )
    )
    seen = report(a, CRITERIA, 3.5, for_staff=False)
    assert (seen["outcome"], seen["reserve_position"], seen["reason"]) == (
        "reserve",
        2,
        "does not fit",
    )


def test_a_comment_on_an_unknown_criterion_is_refused() -> None:
    a = evaluated((4, 4))
    ranked(a, {"excellence": 4.0, "impact": 4.0}, 4.0, True)
    with pytest.raises(UnknownCriterion):
        consolidation(a, CRITERIA, {"style": "nice"}, NOW)
