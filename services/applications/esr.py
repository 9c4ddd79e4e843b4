"""The evaluation summary report of a ranked application: per criterion the
consensus score (the mean across its evaluators) with the comment the
programme manager consolidated, the total, the thresholds passed or failed, and
the outcome. It never names an evaluator. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from services.applications.application_state import ApplicationState
from services.applications.events import EvaluationCommentsConsolidated
from services.calls.events import Criterion
from shared.errors import InvalidInput, RuleViolation

Outcome = Literal["pending", "selected", "reserve", "rejected", "withdrawn"]
OUTCOME_OF: Mapping[str, Outcome] = {
    "evaluated": "pending",
    "selected": "selected",
    "contracted": "selected",
    "declined": "selected",
    "award_refused": "selected",
    "reserve": "reserve",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
}


class NotRanked(RuleViolation):
    code = "not_ranked"


class UnknownCriterion(InvalidInput):
    code = "unknown_criterion"


def require_ranked(a: ApplicationState) -> None:
    if a.ranked is None:
        raise NotRanked(
            f"a {a.status} application has no evaluation summary report: it was never ranked",
            application_status=a.status,
        )


def consolidation(
    a: ApplicationState,
    criteria: Sequence[Criterion],
    comments: Mapping[str, str],
    now: datetime,
) -> EvaluationCommentsConsolidated:
    """The event recording the manager's comments (checked against the call)."""
    require_ranked(a)
    known = {c.code for c in criteria}
    for code in comments:
        if code not in known:
            raise UnknownCriterion(
                f"{code} is not a criterion of the call",
                errors=[
                    {
                        "loc": ["body", "comments", code],
                        "msg": "not a criterion of the call",
                        "type": "unknown_criterion",
                    }
                ],
                criterion=code,
            )
    return EvaluationCommentsConsolidated(
        application_id=a.id,
        call_id=a.call_id,
        comments=dict(comments),
        criteria=tuple(sorted(comments)),
        consolidated_at=now,
    )


def report(
    a: ApplicationState,
    criteria: Sequence[Criterion],
    pass_threshold: float,
    *,
    for_staff: bool,
) -> dict[str, Any]:
    """The report as the applicant reads it; staff also read the evaluators'
    comments, without their authors, to consolidate them."""
    require_ranked(a)
    assert a.ranked is not None
    means = a.ranked.criterion_scores
    outcome = OUTCOME_OF.get(a.status, "pending")
    body: dict[str, Any] = {
        "application_id": a.id,
        "call_id": a.call_id,
        "criteria": [
            {
                "code": c.code,
                "title": c.title,
                "score": means.get(c.code),
                "max_score": c.max_score,
                "threshold": c.threshold,
                "passed": means.get(c.code, 0) >= c.threshold,
                "comment": a.consolidated.get(c.code),
            }
            for c in criteria
        ],
        "total": a.ranked.score,
        "pass_threshold": pass_threshold,
        "passed": a.ranked.passed,
        "evaluations": len(a.panel.scoring),
        "rank": a.ranked.rank,
        "outcome": outcome,
        "reserve_position": a.reserve_rank if outcome == "reserve" else None,
        "reason": a.ranked.reason if outcome == "rejected" else a.outcome_reason or None,
    }
    if for_staff:
        body["evaluator_comments"] = [s.comment for s in a.panel.scoring if s.comment]
    return body
