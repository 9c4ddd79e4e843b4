"""A grant: its instalments, their payment under four eyes, the final report and
recoveries. The aggregate decides on its own events. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.payments import events as e
from services.payments.grant_state import GrantState, PaymentOrder, Report
from services.payments.money import split
from shared.errors import Forbidden, NotFound, RuleViolation


class FourEyes(Forbidden):
    code = "four_eyes"
    title = "Four eyes"


@dataclass(frozen=True)
class PlannedInstalment:
    label: str
    percent: int
    trigger: e.Trigger


class Grant(GrantState):
    """The decisions on a grant; each records the events that say what happened."""

    # --- award ---------------------------------------------------------------------

    def award(
        self,
        awarded: e.GrantAwarded,
        plan: Sequence[PlannedInstalment],
        instalment_ids: Sequence[str],
    ) -> None:
        """Record the award with its instalments split in cents; those due on
        signature are due at once."""
        amounts = split(awarded.amount_cents, [p.percent for p in plan])
        instalments = tuple(
            e.AwardedInstalment(
                instalment_id=i,
                label=p.label,
                percent=p.percent,
                amount_cents=amount,
                trigger=p.trigger,
            )
            for i, p, amount in zip(instalment_ids, plan, amounts, strict=True)
        )
        self.record(awarded.model_copy(update={"grant_id": self.id, "instalments": instalments}))
        self._make_due("on_signature", awarded.awarded_at)

    def _make_due(self, trigger: e.Trigger, at: datetime) -> None:
        for i in self.instalments.values():
            if i.trigger == trigger and i.status == "scheduled":
                self.record(
                    e.InstalmentDue(
                        **self.facts(),
                        instalment_id=i.id,
                        label=i.label,
                        trigger=i.trigger,
                        amount_cents=i.amount_cents,
                        due_at=at,
                    )
                )

    # --- payments under four eyes ---------------------------------------------------

    def order_payment(self, instalment_id: str, order_id: str, by: str, now: datetime) -> None:
        self._require_payable()
        i = self.instalment(instalment_id)
        if i.status not in ("due", "failed"):
            raise RuleViolation(
                f"instalment {i.label!r} is {i.status}: only a due instalment, "
                "or one whose payment failed, can be ordered",
                code="instalment_not_due",
                instalment_status=i.status,
            )
        attempt = 1 + sum(o.instalment_id == i.id for o in self.orders.values())
        self.record(
            e.PaymentOrdered(
                **self.facts(),
                payment_order_id=order_id,
                instalment_id=i.id,
                amount_cents=i.amount_cents,
                attempt=attempt,
                ordered_by=by,
                ordered_at=now,
            )
        )

    def approve_payment(self, order_id: str, by: str, now: datetime) -> None:
        order = self.order(order_id)
        self._require_payable()
        if order.status != "ordered":
            raise RuleViolation(
                f"the payment order is {order.status}, not awaiting approval",
                code="payment_order_not_pending",
                order_status=order.status,
            )
        if order.ordered_by == by:
            raise FourEyes(
                "a payment order is approved by another finance officer than the one who ordered it"
            )
        self.record(
            e.PaymentApproved(
                **self.facts(),
                payment_order_id=order.id,
                instalment_id=order.instalment_id,
                amount_cents=order.amount_cents,
                approved_by=by,
                approved_at=now,
            )
        )

    def disburse(self, order_id: str, bank_reference: str, now: datetime) -> None:
        order = self._approved(order_id)
        self.record(
            e.PaymentDisbursed(
                **self.facts(),
                payment_order_id=order.id,
                instalment_id=order.instalment_id,
                amount_cents=order.amount_cents,
                bank_reference=bank_reference,
                paid_cents=self.paid_cents + order.amount_cents,
                awarded_at=self.a.awarded_at,
                disbursed_at=now,
            )
        )
        if all(i.status == "paid" for i in self.instalments.values()):
            self.record(
                e.GrantClosed(
                    **self.facts(),
                    amount_cents=self.a.amount_cents,
                    paid_cents=self.paid_cents,
                    recovered_cents=self.recovered_cents,
                    closed_at=now,
                )
            )

    def fail_payment(self, order_id: str, reason: str, now: datetime) -> None:
        order = self._approved(order_id)
        self.record(
            e.PaymentFailed(
                **self.facts(),
                payment_order_id=order.id,
                instalment_id=order.instalment_id,
                amount_cents=order.amount_cents,
                reason=reason,
                failed_at=now,
            )
        )

    def _approved(self, order_id: str) -> PaymentOrder:
        order = self.order(order_id)
        if order.status != "approved":
            raise RuleViolation(
                f"the payment order is {order.status}, not approved",
                code="payment_order_not_approved",
                order_status=order.status,
            )
        return order

    def _require_payable(self) -> None:
        if self.status == "cancelled":
            raise RuleViolation(
                "the grant is cancelled: nothing more is paid on it", code="grant_cancelled"
            )
        if self.status == "closed":
            raise RuleViolation(
                "the grant is closed: every instalment is paid", code="grant_closed"
            )

    # --- the final report ------------------------------------------------------------

    def submit_report(self, report_id: str, summary: str, by: str, now: datetime) -> None:
        """The report, with the files attached for it until now."""
        self.require_reportable()
        self.record(
            e.ReportSubmitted(
                **self.facts(),
                report_id=report_id,
                summary=summary,
                submitted_by=by,
                submitted_at=now,
                annexes=tuple(self.report_annexes[code] for code in sorted(self.report_annexes)),
            )
        )

    def attach_report_annex(self, annex: e.ReportAnnex, by: str, now: datetime) -> e.ReportAnnex:
        """The annex now attached under its code for the next report: this one, or
        the one attached before when it is the same file (nothing recorded)."""
        self.require_reportable()
        current = self.report_annexes.get(annex.code)
        if current is not None and current.model_dump(exclude={"annex_id"}) == annex.model_dump(
            exclude={"annex_id"}
        ):
            return current
        self.record(
            e.ReportAnnexAttached(
                **self.facts(),
                annex=annex,
                replaces=current.annex_id if current else None,
                attached_by=by,
                attached_at=now,
            )
        )
        return annex

    def remove_report_annex(self, annex_id: str, by: str, now: datetime) -> e.ReportAnnex:
        self.require_reportable()
        annex = next((a for a in self.report_annexes.values() if a.annex_id == annex_id), None)
        if annex is None:
            raise NotFound(f"grant {self.id} has no annex {annex_id} awaiting its report")
        self.record(
            e.ReportAnnexRemoved(
                **self.facts(), annex_id=annex_id, code=annex.code, removed_by=by, removed_at=now
            )
        )
        return annex

    def require_reportable(self) -> None:
        """A final report (and its annexes) is handed in while the grant is paid on,
        no report awaits a decision, and none was approved."""
        self._require_payable()
        states = {r.status for r in self.reports.values()}
        if "approved" in states:
            raise RuleViolation(
                "the final report is already approved", code="report_already_approved"
            )
        if "submitted" in states:
            raise RuleViolation("a final report awaits a decision", code="report_pending")

    def approve_report(self, report_id: str, now: datetime) -> None:
        self._pending_report(report_id)
        self.record(e.ReportApproved(**self.facts(), report_id=report_id, approved_at=now))
        self._make_due("on_report_approved", now)

    def reject_report(self, report_id: str, reason: str, now: datetime) -> None:
        self._pending_report(report_id)
        self.record(
            e.ReportRejected(**self.facts(), report_id=report_id, reason=reason, rejected_at=now)
        )

    def _pending_report(self, report_id: str) -> Report:
        report = self.reports.get(report_id)
        if report is None:
            raise NotFound(f"grant {self.id} has no report {report_id}")
        self._require_payable()
        if report.status != "submitted":
            raise RuleViolation(
                f"the report is already {report.status}",
                code="report_not_pending",
                report_status=report.status,
            )
        return report

    # --- recoveries and cancellation ----------------------------------------------------

    def order_recovery(
        self,
        recovery_id: str,
        amount_cents: int,
        reason: str,
        now: datetime,
        false_declaration: e.FalseDeclaration | None = None,
    ) -> None:
        recoverable = self.paid_cents - self.recovery_ordered_cents
        if amount_cents <= 0:
            raise RuleViolation("a recovery is a positive amount", code="amount_not_positive")
        if amount_cents > recoverable:
            raise RuleViolation(
                f"{amount_cents} cents exceed what can be recovered: {self.paid_cents} cents "
                f"paid, {self.recovery_ordered_cents} already ordered back",
                code="recovery_exceeds_paid",
                recoverable_cents=recoverable,
            )
        self.record(
            e.RecoveryOrdered(
                **self.facts(),
                recovery_id=recovery_id,
                amount_cents=amount_cents,
                reason=reason,
                ordered_at=now,
                false_declaration=false_declaration,
            )
        )

    def receive_recovery(self, recovery_id: str, now: datetime) -> None:
        recovery = self.recovery(recovery_id)
        if recovery.status == "received":
            raise RuleViolation(
                "the recovery is already received", code="recovery_already_received"
            )
        self.record(
            e.RecoveryReceived(
                **self.facts(),
                recovery_id=recovery.id,
                amount_cents=recovery.amount_cents,
                recovered_cents=self.recovered_cents + recovery.amount_cents,
                received_at=now,
            )
        )

    def cancel(
        self, reason: str, now: datetime, false_declaration: e.FalseDeclaration | None = None
    ) -> None:
        self._require_payable()
        moving = [o.id for o in self.orders.values() if o.status in ("ordered", "approved")]
        if moving:
            raise RuleViolation(
                "a payment of the grant is under way: mark it disbursed or failed first",
                code="payment_in_progress",
                payment_order_ids=moving,
            )
        self.record(
            e.GrantCancelled(
                **self.facts(),
                released_cents=self.committed_cents - self.paid_cents,
                paid_cents=self.paid_cents,
                reason=reason,
                cancelled_at=now,
                false_declaration=false_declaration,
            )
        )
