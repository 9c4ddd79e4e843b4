"""Committed never exceeds the budget, under any interleaving of budget
amendments, awards, cancellations and consumer lag: the three services' domain
logic (calls' Call, applications' CallMoney, payments' ledger and budget keeper)
wired by in-memory queues that a property test delivers in any order. No I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.applications.call_money import CallMoney, Figures
from services.calls.domain import Call, Programme
from services.calls.events import CallBudgetAmended, CallBudgetCutRequested, CallTerms, DeMinimis
from services.payments.budget_keeper import CallBudgetKeeper
from services.payments.events import BudgetCutConfirmed, BudgetCutRefused
from services.payments.ledger import CallLedger
from shared.errors import CascadeError
from shared.events import Event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EUR = 100
BUDGET = 100_000 * EUR
GRANT = 10_000 * EUR


def _call() -> tuple[Programme, Call]:
    programme = Programme("p")
    programme.create("P", "Programme", "EUR", 10 * BUDGET, ("innovate",), None, DeMinimis(), T0)
    call = Call("c")
    call.draft(
        programme,
        CallTerms.model_validate(
            {
                "code": "V",
                "title": "Vouchers",
                "kind": "green_voucher",
                "selection_mode": "first_come_first_served",
                "budget_cents": BUDGET,
                "max_grant_cents": GRANT,
                "min_grant_cents": 0,
                "opens_at": T0 + timedelta(days=1),
                "closes_at": T0 + timedelta(days=30),
                "objectives": ["innovate"],
                "instalments": [{"label": "All", "percent": 100, "trigger": "on_signature"}],
            }
        ),
        T0,
    )
    call.publish(T0 + timedelta(days=2))
    return programme, call


@dataclass
class Services:
    """Each service's state and the messages on their way to each consumer."""

    programme: Programme
    call: Call
    money: CallMoney = field(default_factory=lambda: CallMoney(CallMoney.stream_of("c")))
    ledger: CallLedger = field(default_factory=lambda: CallLedger(BUDGET))
    keeper: CallBudgetKeeper = field(
        default_factory=lambda: CallBudgetKeeper(CallBudgetKeeper.stream_of("c"))
    )
    grants: dict[int, int] = field(default_factory=dict)
    to_payments: deque[Event | tuple[str, int, int]] = field(default_factory=deque)
    to_applications: deque[Event | tuple[str, int, int]] = field(default_factory=deque)
    to_calls: deque[Event | tuple[str, int, int]] = field(default_factory=deque)
    applicants: int = 0

    def publish_calls(self) -> None:
        for e in self.call.pending:
            self.to_payments.append(e)
            self.to_applications.append(e)
        self.call.pending = []

    def amend(self, budget_cents: int, n: int) -> None:
        try:
            self.call.amend_budget(self.programme, budget_cents, "amended", f"r{n}")
        except CascadeError:
            return  # refused at once: calls already knows enough to say no
        self.publish_calls()

    def submit(self, requested_cents: int) -> None:
        """Applications selects first come, first served; the award is signed at once."""
        self.applicants += 1
        decided = self.money.first_come(f"org-{self.applicants}", requested_cents, T0)
        if decided.outcome == "selected":
            self.to_payments.append(("contract", self.applicants, decided.amount_cents))

    def cancel(self, pick: int) -> None:
        if self.grants:
            grant = sorted(self.grants)[pick % len(self.grants)]
            amount = self.grants.pop(grant)
            self.ledger.release(amount)
            self.to_calls.append(("cancelled", grant, amount))

    def deliver(self, queue: str) -> None:
        messages = getattr(self, f"to_{queue}")
        if messages:
            getattr(self, f"_{queue}")(messages.popleft())

    def _payments(self, m: Event | tuple[str, int, int]) -> None:
        if isinstance(m, tuple):
            _, grant, amount = m
            if amount <= self.ledger.available_cents:
                self.ledger.commit(amount)
                self.grants[grant] = amount
                self.to_calls.append(("awarded", grant, amount))
            else:
                self.to_applications.append(("refused", grant, amount))
        elif isinstance(m, CallBudgetAmended):
            self.ledger.budget_cents = m.budget_cents
        elif isinstance(m, CallBudgetCutRequested):
            self.keeper.decide(self.ledger, m.request_id, m.budget_cents, "EUR", T0)
            self.to_calls.extend(self.keeper.pending)
            self.keeper.pending = []

    def _applications(self, m: Event | tuple[str, int, int]) -> None:
        if isinstance(m, tuple):
            self.money.release(m[2])
        elif isinstance(m, CallBudgetAmended):
            self.money.figures.budget_cents = m.budget_cents

    def _calls(self, m: Event | tuple[str, int, int]) -> None:
        if isinstance(m, BudgetCutConfirmed):
            self.call.confirm_cut(self.programme, m.request_id)
        elif isinstance(m, BudgetCutRefused):
            self.call.refuse_cut(m.request_id, m.committed_cents, m.reason)
        elif isinstance(m, tuple) and m[0] == "awarded":
            self.call.record_commitment(f"g{m[1]}", f"a{m[1]}", m[2])
        elif isinstance(m, tuple):
            self.call.release_commitment(f"g{m[1]}", m[2])
        self.publish_calls()

    def holds(self) -> None:
        assert 0 <= self.ledger.committed_cents <= self.ledger.budget_cents
        # What the manager sees as the budget never falls below what payments committed.
        assert self.call.t.budget_cents >= self.ledger.committed_cents
        assert self.call.committed_cents <= self.ledger.committed_cents + sum(
            m[2] for m in self.to_calls if isinstance(m, tuple) and m[0] == "cancelled"
        )

    def drain(self) -> None:
        while self.to_payments or self.to_applications or self.to_calls:
            for queue in ("payments", "applications", "calls"):
                self.deliver(queue)
                self.holds()


STEP = st.one_of(
    st.tuples(st.just("amend"), st.integers(0, 2 * BUDGET // GRANT).map(lambda n: n * GRANT)),
    st.tuples(st.just("submit"), st.sampled_from([GRANT // 2, GRANT, 2 * GRANT])),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("deliver"), st.sampled_from(["payments", "applications", "calls"])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=80))
def test_committed_never_exceeds_the_budget_whatever_the_order(
    steps: list[tuple[str, int | str]],
) -> None:
    programme, call = _call()
    services = Services(programme, call)
    services.money.figures = Figures(BUDGET, GRANT)
    for n, (action, arg) in enumerate(steps):
        if action == "amend":
            services.amend(int(arg), n)
        elif action == "submit":
            services.submit(int(arg))
        elif action == "cancel":
            services.cancel(int(arg))
        else:
            services.deliver(str(arg))
        services.holds()
    services.drain()
    # Quiet again: the three services agree on the budget and the money committed.
    assert services.call.pending_cut is None
    assert services.call.t.budget_cents == services.ledger.budget_cents
    assert services.money.figures.budget_cents == services.ledger.budget_cents
    assert services.call.committed_cents == services.ledger.committed_cents


def test_a_cut_below_what_payments_committed_is_refused_and_one_at_it_is_confirmed() -> None:
    programme, call = _call()
    services = Services(programme, call)
    services.money.figures = Figures(BUDGET, GRANT)
    for _ in range(4):
        services.submit(GRANT)
    services.deliver("payments")  # one grant committed; calls has not heard of it yet
    services.deliver("payments")
    services.amend(GRANT, 0)  # the finding: calls knows of nothing committed
    assert services.call.pending_cut is not None
    assert services.call.t.budget_cents == BUDGET  # only a request so far
    services.drain()
    assert (services.call.t.budget_cents, services.ledger.budget_cents) == (BUDGET, BUDGET)
    assert services.call.pending_cut is None
    assert services.keeper.decided == {"r0"}
    assert services.ledger.committed_cents == 4 * GRANT

    services.amend(4 * GRANT, 1)
    services.drain()
    assert services.call.t.budget_cents == services.ledger.budget_cents == 4 * GRANT
    assert programme.shares["c"] == 4 * GRANT
