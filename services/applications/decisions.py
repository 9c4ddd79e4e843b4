"""The decisions on an application after its submission: evaluation by its
panel, ranking, selection or reserve, and the agreement. Functions over the
Application aggregate, which records their events. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from services.applications.domain import Application
from services.applications.events import (
    ApplicationAwardRefused,
    ApplicationContracted,
    ApplicationDeclined,
    ApplicationRanked,
    ApplicationRejected,
    ApplicationReserved,
    ApplicationSelected,
    EvaluationSubmitted,
    EvaluatorAssigned,
)
from services.applications.scoring import Ranked
from shared.errors import RuleViolation

Cause = Literal["initial", "divergence", "replacement"]


def assign(a: Application, assignment_id: str, evaluator_id: str, cause: Cause,
           now: datetime) -> None:
    if a.status not in ("eligible", "under_evaluation"):
        raise RuleViolation(f"a {a.status} application is not evaluated",
                            code="not_under_evaluation", application_status=a.status)
    a.record(EvaluatorAssigned(assignment_id=assignment_id, application_id=a.id,
                               call_id=a.call_id, evaluator_id=evaluator_id, cause=cause,
                               assigned_at=now))


def accept(a: Application, assignment_id: str, evaluator_id: str, now: datetime) -> None:
    a.record(a.panel.accepted(assignment_id, a.id, evaluator_id, now))


def decline_assignment(a: Application, assignment_id: str, evaluator_id: str, reason: str,
                       now: datetime) -> None:
    a.record(a.panel.declined(assignment_id, a.id, evaluator_id, reason, now))


def evaluate(a: Application, evaluator_id: str, scores: Mapping[str, float], total: float,
             comment: str, now: datetime) -> str:
    """Record the evaluator's scores (already checked against the call): the assignment id."""
    if a.status != "under_evaluation":
        raise RuleViolation(f"a {a.status} application takes no more evaluations",
                            code="not_under_evaluation", application_status=a.status)
    seat = a.panel.scoring_seat(evaluator_id)
    a.record(EvaluationSubmitted(
        application_id=a.id, call_id=a.call_id, assignment_id=seat.assignment_id,
        evaluator_id=evaluator_id, scores=dict(scores), total=total, comment=comment,
        submitted_at=now))
    return seat.assignment_id


def rank(a: Application, ranked: Ranked, now: datetime) -> None:
    a.record(ApplicationRanked(
        application_id=a.id, call_id=a.call_id, rank=ranked.rank, score=ranked.score,
        criterion_scores=ranked.criterion_scores, passed=ranked.passed, reason=ranked.reason,
        ranked_at=now))
    if not ranked.passed:
        a.record(ApplicationRejected(application_id=a.id, call_id=a.call_id,
                                     reason_code="below_threshold", reason=ranked.reason,
                                     rejected_at=now))


def select(a: Application, amount_cents: int, committed_cents: int, reason: str, now: datetime,
           freed_by: str | None = None) -> None:
    if a.status not in ("evaluated", "reserve"):
        raise RuleViolation(f"a {a.status} application cannot be selected",
                            code="not_selectable", application_status=a.status)
    a.record(ApplicationSelected(
        application_id=a.id, award=a.award(amount_cents),
        cause="ranking" if freed_by is None else "promoted", reason=reason, freed_by=freed_by,
        score=a.ranked.score if a.ranked else None, committed_cents=committed_cents,
        selected_at=now))


def reserve(a: Application, reason_code: Literal["below_budget_line", "beneficiary_limit"],
            reason: str, reserve_rank: int, now: datetime) -> None:
    a.record(ApplicationReserved(application_id=a.id, call_id=a.call_id, reason_code=reason_code,
                                 reason=reason, reserve_rank=reserve_rank, reserved_at=now))


def _require_selected(a: Application, action: str) -> None:
    if a.status != "selected":
        raise RuleViolation(f"only a selected application can be {action}, not a {a.status} one",
                            code="not_selected", application_status=a.status)


def sign(a: Application, now: datetime) -> None:
    _require_selected(a, "signed")
    assert a.lead is not None
    a.record(ApplicationContracted(
        application_id=a.id, call_id=a.call_id, programme_id=a.programme_id,
        organisation=a.lead, objectives=a.objectives, amount_cents=a.amount_cents,
        contracted_at=now))


def decline(a: Application, reason: str, now: datetime) -> int:
    """The applicant turns the award down: the amount freed."""
    _require_selected(a, "declined")
    a.record(ApplicationDeclined(application_id=a.id, call_id=a.call_id,
                                 amount_cents=a.amount_cents, reason=reason, declined_at=now))
    return a.amount_cents


def refuse_award(a: Application, reason_code: str, reason: str, now: datetime) -> int:
    """Payments refused the grant of a contracted application: the amount freed
    (0, and nothing recorded, when the application is not contracted: a replay)."""
    if a.status != "contracted":
        return 0
    a.record(ApplicationAwardRefused(application_id=a.id, call_id=a.call_id,
                                     amount_cents=a.amount_cents, reason_code=reason_code,
                                     reason=reason, refused_at=now))
    return a.amount_cents
