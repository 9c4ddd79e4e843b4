"""The applications service's refusals, each a class with a stable `code`; the
chassis maps them to problem+json (`shared.problems`)."""

from __future__ import annotations

from typing import Any

from shared.errors import Forbidden, RuleViolation


class NotAMember(Forbidden):
    code = "not_a_member"


class CallClosed(RuleViolation):
    """The call takes no submission now (not yet open, past its deadline, closed,
    or its budget and its first-come reserve list are both full)."""

    code = "call_closed"


class AlreadySubmitted(RuleViolation):
    code = "already_submitted"


class NotADraft(RuleViolation):
    code = "not_a_draft"


class DuplicateMember(RuleViolation):
    code = "duplicate_member"


class ObjectiveNotInCall(RuleViolation):
    code = "objective_not_in_call"


class AlreadyContracted(RuleViolation):
    code = "already_contracted"


class NotWithdrawable(RuleViolation):
    code = "not_withdrawable"


class NotUnderEvaluation(RuleViolation):
    code = "not_under_evaluation"


class NotSelectable(RuleViolation):
    code = "not_selectable"


class NotSelected(RuleViolation):
    code = "not_selected"


class EvaluationsPending(RuleViolation):
    code = "evaluations_pending"


class NotKeptFirstCome(RuleViolation):
    """A first-come-first-served submission recorded but not funded: the answer
    carries the application, now in reserve."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)


class BudgetExhausted(NotKeptFirstCome):
    code = "budget_exhausted"
    title = "Budget exhausted"


class BeneficiaryLimit(NotKeptFirstCome):
    code = "beneficiary_limit"
    title = "Beneficiary limit reached"
