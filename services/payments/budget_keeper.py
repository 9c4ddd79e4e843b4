"""Payments has the last word on a call's money: a cut of a call's budget asked
for in the calls service (`calls.CallBudgetCutRequested`) is confirmed here, in
the transaction that holds the call's ledger row, only when no more than the new
budget is committed; else refused with the amounts. Every commitment takes the
same row lock, so no award can slip between the check and the cut.

The decisions are the events of the aggregate `CallBudgetKeeper`, stream
`budget-cuts-{call_id}`; `budget_cut_policy` runs it in the consumer. No I/O."""

from __future__ import annotations

import functools
from datetime import datetime

from services.payments.events import BudgetCutConfirmed, BudgetCutRefused
from services.payments.ledger import CallLedger
from shared.aggregate import Aggregate
from shared.events import Event
from shared.values import format_money


class CallBudgetKeeper(Aggregate):
    """The cuts of one call's budget decided so far. No I/O."""

    stream_type = "call_budget_cuts"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.call_id = stream_id.removeprefix("budget-cuts-")
        self.decided: set[str] = set()

    @staticmethod
    def stream_of(call_id: str) -> str:
        return f"budget-cuts-{call_id}"

    def decide(
        self, ledger: CallLedger, request_id: str, budget_cents: int, currency: str, now: datetime
    ) -> None:
        """Cut `ledger`'s budget, or refuse when more is committed; a request
        decided before is not decided again (a replay)."""
        if request_id in self.decided:
            return
        if budget_cents < ledger.committed_cents:
            self.record(
                BudgetCutRefused(
                    call_id=self.call_id,
                    request_id=request_id,
                    budget_cents=budget_cents,
                    committed_cents=ledger.committed_cents,
                    reason=f"{format_money(ledger.committed_cents, currency)} is already committed in "
                    f"the call, more than the {format_money(budget_cents, currency)} asked for",
                    decided_at=now,
                )
            )
            return
        ledger.budget_cents = budget_cents
        self.record(
            BudgetCutConfirmed(
                call_id=self.call_id,
                request_id=request_id,
                budget_cents=budget_cents,
                committed_cents=ledger.committed_cents,
                decided_at=now,
            )
        )

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register(BudgetCutConfirmed)
    @apply.register(BudgetCutRefused)
    def _decided(self, event: BudgetCutConfirmed | BudgetCutRefused) -> None:
        self.decided.add(event.request_id)
