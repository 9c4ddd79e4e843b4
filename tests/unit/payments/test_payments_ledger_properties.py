"""Random command sequences on one call's grants, through the same domain
functions the handlers use: after every step, the ledger's invariants hold, the
ledger equals what the grants' events say, and a refused command changed nothing."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from services.payments import books
from services.payments.awarding import ProgrammeRules, Standing, refusal
from services.payments.events import GrantAwarded, PaymentDisbursed, RecoveryReceived
from services.payments.grant import Grant, PlannedInstalment
from services.payments.ledger import CallLedger
from shared.errors import CascadeError
from shared.ids import uuid7
from tests.support.payments_domain import AWARDED_AT, SEVENTY_THIRTY

NOW = AWARDED_AT + timedelta(days=1)
PLANS = (
    SEVENTY_THIRTY,
    (PlannedInstalment("All at once", 100, "on_signature"),),
    (
        PlannedInstalment("Advance", 33, "on_signature"),
        PlannedInstalment("Middle", 33, "on_signature"),
        PlannedInstalment("Balance", 34, "on_report_approved"),
    ),
)
RULES = ProgrammeRules("EUR", None, 30_000_000, 3)
OFFICERS = ("fo-anna", "fo-ben", "fo-carl")
pick = st.integers(min_value=0, max_value=10**6)


class CallBooks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ledger = CallLedger(budget_cents=1_000_000)
        self.grants: list[Grant] = []
        self.events: list[object] = []  # every event recorded, in order

    # --- helpers -------------------------------------------------------------------

    def grant(self, n: int) -> Grant:
        return self.grants[n % len(self.grants)]

    def attempt(self, grant: Grant | None, action: object) -> None:
        """Run `action`; if refused, nothing may have changed."""
        before = (vars(self.ledger).copy(), grant.version if grant else None)
        try:
            action()  # type: ignore[operator]
        except CascadeError:
            assert (vars(self.ledger), grant.version if grant else None) == before
            if grant is not None:
                grant.pending = []
            return
        if grant is not None:
            self.events.extend(grant.pending)
            grant.pending = []

    # --- rules ---------------------------------------------------------------------

    @rule(amount=st.integers(min_value=0, max_value=600_000), plan=st.sampled_from(PLANS))
    def award(self, amount: int, plan: tuple[PlannedInstalment, ...]) -> None:
        if refusal(amount, "EUR", RULES, Standing(self.ledger, 0, None)) is not None:
            assert amount > self.ledger.available_cents
            return
        grant = Grant(str(uuid7()))
        awarded = GrantAwarded(
            grant_id=grant.id,
            application_id=str(uuid7()),
            call_id="call",
            programme_id="programme",
            organisation_id="org",
            amount_cents=amount,
            awarded_at=AWARDED_AT,
        )
        self.attempt(
            grant,
            lambda: books.award(self.ledger, grant, awarded, plan, [str(uuid7()) for _ in plan]),
        )
        if grant.version:
            self.grants.append(grant)

    @precondition(lambda self: self.grants)
    @rule(n=pick, i=pick, officer=st.sampled_from(OFFICERS))
    def order(self, n: int, i: int, officer: str) -> None:
        grant = self.grant(n)
        ids = list(grant.instalments)
        self.attempt(
            grant, lambda: grant.order_payment(ids[i % len(ids)], str(uuid7()), officer, NOW)
        )

    def _order_id(self, grant: Grant, o: int) -> str:
        ids = list(grant.orders) or ["none"]
        return ids[o % len(ids)]

    @precondition(lambda self: self.grants)
    @rule(n=pick, o=pick, officer=st.sampled_from(OFFICERS))
    def approve(self, n: int, o: int, officer: str) -> None:
        grant = self.grant(n)
        order_id = self._order_id(grant, o)
        self.attempt(grant, lambda: grant.approve_payment(order_id, officer, NOW))
        if order_id in grant.orders and grant.orders[order_id].approved_by:
            assert grant.orders[order_id].approved_by != grant.orders[order_id].ordered_by

    @precondition(lambda self: self.grants)
    @rule(n=pick, o=pick)
    def disburse(self, n: int, o: int) -> None:
        grant = self.grant(n)
        order_id = self._order_id(grant, o)
        self.attempt(grant, lambda: books.disburse(self.ledger, grant, order_id, "BANK", NOW))

    @precondition(lambda self: self.grants)
    @rule(n=pick, o=pick)
    def fail(self, n: int, o: int) -> None:
        grant = self.grant(n)
        order_id = self._order_id(grant, o)
        self.attempt(grant, lambda: grant.fail_payment(order_id, "bank refused", NOW))

    @precondition(lambda self: self.grants)
    @rule(n=pick, approve=st.booleans())
    def report(self, n: int, approve: bool) -> None:
        grant = self.grant(n)
        report_id = str(uuid7())
        self.attempt(grant, lambda: grant.submit_report(report_id, "done", "sme", NOW))
        decide = (
            grant.approve_report
            if approve
            else (lambda r, now: grant.reject_report(r, "incomplete", now))
        )
        self.attempt(grant, lambda: decide(report_id, NOW))

    @precondition(lambda self: self.grants)
    @rule(n=pick, amount=st.integers(min_value=-10, max_value=700_000))
    def order_recovery(self, n: int, amount: int) -> None:
        grant = self.grant(n)
        self.attempt(grant, lambda: grant.order_recovery(str(uuid7()), amount, "irregular", NOW))

    @precondition(lambda self: self.grants)
    @rule(n=pick, r=pick)
    def receive_recovery(self, n: int, r: int) -> None:
        grant = self.grant(n)
        ids = list(grant.recoveries) or ["none"]
        self.attempt(
            grant, lambda: books.receive_recovery(self.ledger, grant, ids[r % len(ids)], NOW)
        )

    @precondition(lambda self: self.grants)
    @rule(n=pick)
    def cancel(self, n: int) -> None:
        grant = self.grant(n)
        self.attempt(grant, lambda: books.cancel(self.ledger, grant, "irregular", NOW))

    # --- invariants ----------------------------------------------------------------

    @invariant()
    def committed_never_exceeds_the_budget_nor_paid_the_committed(self) -> None:
        ledger = self.ledger
        assert ledger.committed_cents <= ledger.budget_cents
        assert 0 <= ledger.recovered_cents <= ledger.paid_cents <= ledger.committed_cents
        assert ledger.holds()

    @invariant()
    def the_ledger_is_what_the_events_say(self) -> None:
        paid = sum(e.amount_cents for e in self.events if isinstance(e, PaymentDisbursed))
        recovered = sum(e.amount_cents for e in self.events if isinstance(e, RecoveryReceived))
        assert (self.ledger.paid_cents, self.ledger.recovered_cents) == (paid, recovered)
        assert self.ledger.committed_cents == sum(g.committed_cents for g in self.grants)

    @invariant()
    def every_grant_keeps_its_own_books(self) -> None:
        for grant in self.grants:
            assert sum(i.amount_cents for i in grant.instalments.values()) == (grant.a.amount_cents)
            assert grant.recovered_cents <= grant.recovery_ordered_cents <= grant.paid_cents
            assert grant.paid_cents <= grant.committed_cents
            assert grant.paid_cents == sum(
                i.amount_cents for i in grant.instalments.values() if i.status == "paid"
            )


CallBooks.TestCase.settings = settings(max_examples=250, stateful_step_count=30, deadline=None)
test_the_books_of_a_call_hold_under_any_command_sequence = CallBooks.TestCase
