"""The money ledger of one call: committed, paid, recovered, available. No I/O.

Every change goes through one of the four movements below, each of which
refuses to break an invariant, so that the books can never say more was paid
than committed, or more recovered than paid:

    0 <= recovered <= paid <= committed <= budget   (committed <= budget checked at commitment)
"""

from __future__ import annotations

from dataclasses import dataclass

from services.payments.errors import (
    AmountNotPositive,
    CallBudgetExceeded,
    LedgerRefused,
    PaymentExceedsCommitted,
    RecoveryExceedsPaid,
    ReleaseExceedsUnpaid,
)

__all__ = ["CallLedger", "LedgerRefused"]


@dataclass
class CallLedger:
    budget_cents: int
    committed_cents: int = 0
    paid_cents: int = 0
    recovered_cents: int = 0

    @property
    def available_cents(self) -> int:
        return self.budget_cents - self.committed_cents

    @property
    def net_paid_cents(self) -> int:
        return self.paid_cents - self.recovered_cents

    def commit(self, amount_cents: int) -> None:
        _positive(amount_cents)
        if amount_cents > self.available_cents:
            raise CallBudgetExceeded(
                f"committing {amount_cents} cents would exceed the call's budget of "
                f"{self.budget_cents} cents ({self.committed_cents} committed)",
                available_cents=self.available_cents,
            )
        self.committed_cents += amount_cents

    def release(self, amount_cents: int) -> None:
        """Give back committed money that will never be paid (a cancelled grant)."""
        if amount_cents < 0 or self.committed_cents - amount_cents < self.paid_cents:
            raise ReleaseExceedsUnpaid(
                f"releasing {amount_cents} cents would leave less committed than paid"
            )
        self.committed_cents -= amount_cents

    def pay(self, amount_cents: int) -> None:
        _positive(amount_cents)
        if self.paid_cents + amount_cents > self.committed_cents:
            raise PaymentExceedsCommitted(
                f"paying {amount_cents} cents would pay more than "
                f"the {self.committed_cents} cents committed"
            )
        self.paid_cents += amount_cents

    def recover(self, amount_cents: int) -> None:
        _positive(amount_cents)
        if self.recovered_cents + amount_cents > self.paid_cents:
            raise RecoveryExceedsPaid(
                f"recovering {amount_cents} cents would recover more "
                f"than the {self.paid_cents} cents paid"
            )
        self.recovered_cents += amount_cents

    def holds(self) -> bool:
        """Whether every invariant holds (the budget may since have been amended below
        what is committed by the calls service, which learns commitments later)."""
        return 0 <= self.recovered_cents <= self.paid_cents <= self.committed_cents


def _positive(amount_cents: int) -> None:
    if amount_cents <= 0:
        raise AmountNotPositive(f"an amount must be positive, not {amount_cents}")
