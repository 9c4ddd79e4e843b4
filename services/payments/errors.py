"""The payments service's refusals, each a class with a stable `code`; the chassis
maps them to problem+json (`shared.problems`)."""

from __future__ import annotations

from shared.errors import Forbidden, RuleViolation


class NotAMember(Forbidden):
    code = "not_a_member"


class LedgerRefused(RuleViolation):
    """A movement that would break one of the ledger's invariants."""


class CallBudgetExceeded(LedgerRefused):
    code = "call_budget_exceeded"


class ReleaseExceedsUnpaid(LedgerRefused):
    code = "release_exceeds_unpaid"


class PaymentExceedsCommitted(LedgerRefused):
    code = "payment_exceeds_committed"


class RecoveryExceedsPaid(LedgerRefused):
    code = "recovery_exceeds_paid"


class AmountNotPositive(LedgerRefused):
    code = "amount_not_positive"
