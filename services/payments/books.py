"""The decisions that move money: the grant decides, and its call's ledger moves
in the same step, so that no path can change one without the other. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.payments.events import FalseDeclaration, GrantAwarded
from services.payments.grant import Grant, PlannedInstalment
from services.payments.ledger import CallLedger


def disburse(
    ledger: CallLedger, grant: Grant, order_id: str, bank_reference: str, now: datetime
) -> None:
    amount = grant.order(order_id).amount_cents
    grant.disburse(order_id, bank_reference, now)
    if amount:
        ledger.pay(amount)


def receive_recovery(ledger: CallLedger, grant: Grant, recovery_id: str, now: datetime) -> None:
    grant.receive_recovery(recovery_id, now)
    ledger.recover(grant.recovery(recovery_id).amount_cents)


def cancel(
    ledger: CallLedger,
    grant: Grant,
    reason: str,
    now: datetime,
    false_declaration: FalseDeclaration | None = None,
) -> None:
    before = grant.committed_cents
    grant.cancel(reason, now, false_declaration)
    ledger.release(before - grant.committed_cents)


def award(
    ledger: CallLedger,
    grant: Grant,
    awarded: GrantAwarded,
    plan: Sequence[PlannedInstalment],
    instalment_ids: Sequence[str],
) -> None:
    """Commit the amount in the call and record the award (the caller checked the
    limits with `awarding.refusal`; the ledger still refuses a budget overrun)."""
    if awarded.amount_cents:
        ledger.commit(awarded.amount_cents)
    grant.award(
        awarded.model_copy(
            update={
                "committed_cents": ledger.committed_cents,
                "call_budget_cents": ledger.budget_cents,
            }
        ),
        plan,
        instalment_ids,
    )
