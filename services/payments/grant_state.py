"""A grant's state, rebuilt from its events: its instalments, payment orders,
final reports and recoveries, each with its own status. `grant` decides."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from services.payments import events as e
from services.payments.events import Trigger
from shared.aggregate import Aggregate
from shared.errors import NotFound
from shared.events import Event

InstalmentStatus = Literal["scheduled", "due", "ordered", "approved", "paid", "failed"]
OrderStatus = Literal["ordered", "approved", "disbursed", "failed"]
ReportStatus = Literal["submitted", "approved", "rejected"]
RecoveryStatus = Literal["ordered", "received"]
GrantStatus = Literal["awarded", "closed", "cancelled"]


@dataclass
class Instalment:
    id: str
    label: str
    percent: int
    amount_cents: int
    trigger: Trigger
    status: InstalmentStatus = "scheduled"
    due_at: datetime | None = None
    paid_at: datetime | None = None
    payment_order_id: str | None = None  # the newest order


@dataclass
class PaymentOrder:
    id: str
    instalment_id: str
    amount_cents: int
    attempt: int
    ordered_by: str
    ordered_at: datetime
    status: OrderStatus = "ordered"
    approved_by: str | None = None
    approved_at: datetime | None = None
    bank_reference: str | None = None
    disbursed_at: datetime | None = None
    failure_reason: str | None = None
    failed_at: datetime | None = None


@dataclass
class Report:
    id: str
    summary: str
    submitted_by: str
    submitted_at: datetime
    status: ReportStatus = "submitted"
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    annexes: tuple[e.ReportAnnex, ...] = ()


@dataclass
class Recovery:
    id: str
    amount_cents: int
    reason: str
    ordered_at: datetime
    status: RecoveryStatus = "ordered"
    received_at: datetime | None = None
    false_declaration: e.FalseDeclaration | None = None


class GrantState(Aggregate):
    """What a grant's events say; `Grant` adds the decisions that record new ones."""

    stream_type = "grant"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.awarded: e.GrantAwarded | None = None
        self.status: GrantStatus = "awarded"
        self.instalments: dict[str, Instalment] = {}
        self.orders: dict[str, PaymentOrder] = {}
        self.reports: dict[str, Report] = {}
        # The files attached for the next final report, by code; its submission takes them.
        self.report_annexes: dict[str, e.ReportAnnex] = {}
        self.recoveries: dict[str, Recovery] = {}
        self.paid_cents = self.recovered_cents = self.released_cents = 0
        self.closed_at: datetime | None = None
        self.cancelled_at: datetime | None = None
        self.cancelled_for: e.FalseDeclaration | None = None

    @property
    def a(self) -> e.GrantAwarded:
        assert self.awarded is not None, "a grant has its award from its first event"
        return self.awarded

    @property
    def committed_cents(self) -> int:
        return self.a.amount_cents - self.released_cents

    @property
    def recovery_ordered_cents(self) -> int:
        return sum(r.amount_cents for r in self.recoveries.values())

    def facts(self) -> dict[str, Any]:
        """The money context every event about this grant carries."""
        a = self.a
        return {
            "grant_id": self.id,
            "application_id": a.application_id,
            "call_id": a.call_id,
            "programme_id": a.programme_id,
            "organisation_id": a.organisation_id,
            "country": a.country,
            "currency": a.currency,
        }

    # --- lookups ------------------------------------------------------------------

    def instalment(self, instalment_id: str) -> Instalment:
        if instalment_id not in self.instalments:
            raise NotFound(f"grant {self.id} has no instalment {instalment_id}")
        return self.instalments[instalment_id]

    def order(self, order_id: str) -> PaymentOrder:
        if order_id not in self.orders:
            raise NotFound(f"grant {self.id} has no payment order {order_id}")
        return self.orders[order_id]

    def recovery(self, recovery_id: str) -> Recovery:
        if recovery_id not in self.recoveries:
            raise NotFound(f"grant {self.id} has no recovery {recovery_id}")
        return self.recoveries[recovery_id]

    # --- state ------------------------------------------------------------------------

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _awarded(self, event: e.GrantAwarded) -> None:
        self.awarded = event
        self.instalments = {
            i.instalment_id: Instalment(
                i.instalment_id, i.label, i.percent, i.amount_cents, i.trigger
            )
            for i in event.instalments
        }

    @apply.register
    def _due(self, event: e.InstalmentDue) -> None:
        i = self.instalments[event.instalment_id]
        i.status, i.due_at = "due", event.due_at

    @apply.register
    def _ordered(self, event: e.PaymentOrdered) -> None:
        self.orders[event.payment_order_id] = PaymentOrder(
            event.payment_order_id,
            event.instalment_id,
            event.amount_cents,
            event.attempt,
            event.ordered_by,
            event.ordered_at,
        )
        i = self.instalments[event.instalment_id]
        i.status, i.payment_order_id = "ordered", event.payment_order_id

    @apply.register
    def _approved_payment(self, event: e.PaymentApproved) -> None:
        order = self.orders[event.payment_order_id]
        order.status, order.approved_by, order.approved_at = (
            "approved",
            event.approved_by,
            event.approved_at,
        )
        self.instalments[event.instalment_id].status = "approved"

    @apply.register
    def _disbursed(self, event: e.PaymentDisbursed) -> None:
        order = self.orders[event.payment_order_id]
        order.status, order.bank_reference, order.disbursed_at = (
            "disbursed",
            event.bank_reference,
            event.disbursed_at,
        )
        i = self.instalments[event.instalment_id]
        i.status, i.paid_at = "paid", event.disbursed_at
        self.paid_cents = event.paid_cents

    @apply.register
    def _failed(self, event: e.PaymentFailed) -> None:
        order = self.orders[event.payment_order_id]
        order.status, order.failure_reason, order.failed_at = (
            "failed",
            event.reason,
            event.failed_at,
        )
        self.instalments[event.instalment_id].status = "failed"

    @apply.register
    def _report_submitted(self, event: e.ReportSubmitted) -> None:
        self.reports[event.report_id] = Report(
            event.report_id,
            event.summary,
            event.submitted_by,
            event.submitted_at,
            annexes=event.annexes,
        )
        self.report_annexes = {}

    @apply.register
    def _report_annex_attached(self, event: e.ReportAnnexAttached) -> None:
        self.report_annexes[event.annex.code] = event.annex

    @apply.register
    def _report_annex_removed(self, event: e.ReportAnnexRemoved) -> None:
        self.report_annexes.pop(event.code, None)

    @apply.register
    def _report_approved(self, event: e.ReportApproved) -> None:
        report = self.reports[event.report_id]
        report.status, report.decided_at = "approved", event.approved_at

    @apply.register
    def _report_rejected(self, event: e.ReportRejected) -> None:
        report = self.reports[event.report_id]
        report.status, report.decided_at, report.rejection_reason = (
            "rejected",
            event.rejected_at,
            event.reason,
        )

    @apply.register
    def _recovery_ordered(self, event: e.RecoveryOrdered) -> None:
        self.recoveries[event.recovery_id] = Recovery(
            event.recovery_id,
            event.amount_cents,
            event.reason,
            event.ordered_at,
            false_declaration=event.false_declaration,
        )

    @apply.register
    def _recovery_received(self, event: e.RecoveryReceived) -> None:
        recovery = self.recoveries[event.recovery_id]
        recovery.status, recovery.received_at = "received", event.received_at
        self.recovered_cents = event.recovered_cents

    @apply.register
    def _cancelled(self, event: e.GrantCancelled) -> None:
        self.status, self.cancelled_at = "cancelled", event.cancelled_at
        self.cancelled_for = event.false_declaration
        self.released_cents += event.released_cents

    @apply.register
    def _closed(self, event: e.GrantClosed) -> None:
        self.status, self.closed_at = "closed", event.closed_at
