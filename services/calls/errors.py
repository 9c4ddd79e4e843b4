"""The calls service's refusals, each a class with a stable `code`; the chassis
maps them to problem+json (`shared.problems`). Invalid terms are
`validation.CallInvalid`, which names each field."""

from __future__ import annotations

from shared.errors import RuleViolation


class CodeTaken(RuleViolation):
    code = "code_taken"


class ProgrammeBudgetExceeded(RuleViolation):
    code = "programme_budget_exceeded"


class CallNotEditable(RuleViolation):
    code = "call_not_editable"


class RulesFrozen(RuleViolation):
    code = "rules_frozen"


class CallAlreadyClosed(RuleViolation):
    code = "call_closed"


class InvalidStatus(RuleViolation):
    code = "invalid_status"


class DeadlineNotLater(RuleViolation):
    code = "deadline_not_later"


class BudgetBelowCommitted(RuleViolation):
    """A budget below the money this service knows is committed in the call."""

    code = "budget_below_committed"


class BudgetCutPending(RuleViolation):
    """A cut of the call's budget awaits the payments service's answer."""

    code = "budget_cut_pending"


class BudgetCutNeedsAmendment(RuleViolation):
    """An edit that lowers the budget of a published call: only amend-budget cuts
    it, so that payments can confirm that no more is committed."""

    code = "budget_cut_needs_amendment"


class SelectionNotMade(RuleViolation):
    """Results are published once the applications service has selected."""

    code = "selection_not_made"


class ResultsAlreadyPublished(RuleViolation):
    code = "results_already_published"


class ResultsNotPublished(RuleViolation):
    code = "results_not_published"
