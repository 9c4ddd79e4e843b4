"""A call's money as the applications service decides on it: receipts, the money
selected (committed), the exhaustion of the budget, the first-come reserve list
and the first-come-first-served decision. No I/O.

Its milestones (budget exhausted, reserve list full) are the events of the
stream `call-budget-{call_id}`; its running figures (receipts, committed) live
in the call's replica row and are written in the same transaction."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.applications.errors import BeneficiaryLimit, BudgetExhausted, CallClosed
from services.applications.events import CallBudgetExhausted, CallReserveListFull
from services.applications.selection import Budget, Contender, Decision, decide
from shared.aggregate import Aggregate
from shared.errors import CascadeError
from shared.events import Event


@dataclass
class Figures:
    """What limits a call's next awards, as read when the call's money is loaded:
    `awarded` is each organisation's selected and contracted total in the programme,
    `holders` the organisations holding an award in this call."""

    budget_cents: int
    max_grant_cents: int
    cap_cents: int | None = None
    received: int = 0
    committed_cents: int = 0
    reserve_limit: int | None = None  # first-come reserve list length; None: unlimited
    reserved: int = 0
    awarded: dict[str, int] = field(default_factory=dict)
    holders: set[str] = field(default_factory=set)


Outcome = Literal["selected", "reserved", "refused"]


@dataclass(frozen=True)
class FirstCome:
    """The first-come decision on one eligible submission: `problem` is what the
    applicant is told when it is not funded (the application in reserve, or left a
    draft when `outcome` is `refused`)."""

    outcome: Outcome
    amount_cents: int
    committed_cents: int
    available_cents: int
    reason: str
    problem: CascadeError | None = None


class CallMoney(Aggregate):
    stream_type = "call_budget"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.call_id = stream_id.removeprefix("call-budget-")
        self.exhausted = self.reserve_full = False
        self.figures = Figures(0, 0)

    @staticmethod
    def stream_of(call_id: str) -> str:
        return f"call-budget-{call_id}"

    @property
    def committed_cents(self) -> int:
        return self.figures.committed_cents

    @property
    def available_cents(self) -> int:
        return self.figures.budget_cents - self.figures.committed_cents

    # --- decisions ---------------------------------------------------------------

    def receive(self) -> int:
        """The next receipt number of the call."""
        self.figures.received += 1
        return self.figures.received

    def first_come(self, organisation_id: str, requested_cents: int, now: datetime) -> FirstCome:
        """Fund at once while the budget lasts, by the rules of a ranked selection
        (one award per beneficiary in the call, the programme's cap); else keep in
        reserve while the reserve list has room after the budget ran out, else refuse
        (and once the list is full, refuse every later submission, as the calls
        service closes the call)."""
        if self.reserve_full:
            return FirstCome(
                "refused",
                0,
                self.committed_cents,
                self.available_cents,
                "the reserve list is full",
                self._closed(),
            )
        decision = decide(Contender("", organisation_id, requested_cents), self.budget())
        if decision.selected:
            return self._funded(decision)
        if decision.reason_code == "below_budget_line":
            self._exhaust(now)
        if self.exhausted and self._reserve_has_no_room(now):
            return self._answer("refused", decision, self._closed())
        self.figures.reserved += 1
        if decision.reason_code == "beneficiary_limit":
            problem: CascadeError = BeneficiaryLimit(
                f"{decision.reason}: the application is kept in reserve"
            )
        else:
            problem = BudgetExhausted(
                "the call's budget is used up: the application is kept in reserve"
            )
        answer = self._answer("reserved", decision, problem)
        if self.exhausted:
            self._reserve_has_no_room(now)
        return answer

    def commit(self, amount_cents: int) -> int:
        """Money selected in the call (ranked or promoted): committed after it."""
        self.figures.committed_cents += amount_cents
        return self.figures.committed_cents

    def release(self, amount_cents: int) -> None:
        """Money a withdrawal, a decline or a refused grant gave back."""
        self.figures.committed_cents -= amount_cents

    def budget(self) -> Budget:
        """The limits of the next awards; selection spends it (shares `awarded`
        and `holders` with this object, so the caller commits what it selects)."""
        f = self.figures
        return Budget(self.available_cents, f.max_grant_cents, f.cap_cents, f.awarded, f.holders)

    def _closed(self) -> CallClosed:
        return CallClosed(
            "the call's budget is used up and its reserve list is full: it "
            "takes no more submissions",
            reserve_limit=self.figures.reserve_limit,
        )

    def _funded(self, decision: Decision) -> FirstCome:
        self.figures.committed_cents += decision.amount_cents
        return self._answer("selected", decision, None)

    def _answer(
        self, outcome: Outcome, decision: Decision, problem: CascadeError | None
    ) -> FirstCome:
        return FirstCome(
            outcome,
            decision.amount_cents,
            self.committed_cents,
            self.available_cents,
            decision.reason,
            problem,
        )

    def _exhaust(self, now: datetime) -> None:
        if not self.exhausted:
            self.record(
                CallBudgetExhausted(
                    call_id=self.call_id,
                    committed_cents=self.committed_cents,
                    budget_cents=self.figures.budget_cents,
                    exhausted_at=now,
                )
            )

    def _reserve_has_no_room(self, now: datetime) -> bool:
        limit = self.figures.reserve_limit
        if limit is None or self.figures.reserved < limit:
            return False
        if not self.reserve_full:
            self.record(
                CallReserveListFull(
                    call_id=self.call_id,
                    reserved=self.figures.reserved,
                    reserve_limit=limit,
                    full_at=now,
                )
            )
        return True

    # --- state -------------------------------------------------------------------

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _exhausted(self, event: CallBudgetExhausted) -> None:
        self.exhausted = True

    @apply.register
    def _full(self, event: CallReserveListFull) -> None:
        self.reserve_full = True
