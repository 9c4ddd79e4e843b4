"""Projecting the events of `payments.events`: grants, their payments and recoveries."""

from __future__ import annotations

import logging

from services.payments import events as payments
from services.reporting.fold.dispatch import project
from services.reporting.records import (
    Disbursement,
    GrantFacts,
    Recovery,
    RefusalFacts,
    StreamRecord,
)
from shared.events import Envelope

log = logging.getLogger("cascade.reporting.fold")


@project.register
def grant_awarded(event: payments.GrantAwarded, record: StreamRecord, envelope: Envelope) -> None:
    record.grant = GrantFacts(
        grant_id=event.grant_id,
        application_id=event.application_id,
        call_id=event.call_id,
        programme_id=event.programme_id,
        organisation_id=event.organisation_id,
        country=event.country,
        currency=event.currency,
        amount_cents=event.amount_cents,
        awarded_at=event.awarded_at,
        last_changed_at=envelope.recorded_at,
    )


@project.register
def grant_refused(event: payments.GrantRefused, record: StreamRecord, envelope: Envelope) -> None:
    record.refusals.append(
        RefusalFacts(
            application_id=event.application_id,
            call_id=event.call_id,
            programme_id=event.programme_id,
            reason_code=event.reason_code,
            amount_cents=event.amount_cents,
        )
    )


@project.register
def grant_changed(event: payments.GrantEvent, record: StreamRecord, envelope: Envelope) -> None:
    """Instalments due, orders, approvals, failures and reports: the grant changed."""
    grant = _grant(record, event)
    if grant is not None:
        grant.last_changed_at = envelope.recorded_at


@project.register
def payment_disbursed(
    event: payments.PaymentDisbursed, record: StreamRecord, envelope: Envelope
) -> None:
    if (grant := _grant(record, event)) is not None:
        grant.disbursements.append(
            Disbursement(
                payment_order_id=event.payment_order_id,
                amount_cents=event.amount_cents,
                bank_reference=event.bank_reference,
                disbursed_at=event.disbursed_at,
            )
        )
        grant.last_changed_at = envelope.recorded_at


@project.register
def recovery_ordered(
    event: payments.RecoveryOrdered, record: StreamRecord, envelope: Envelope
) -> None:
    if (grant := _grant(record, event)) is not None:
        grant.recoveries.append(
            Recovery(
                recovery_id=event.recovery_id,
                amount_cents=event.amount_cents,
                ordered_at=event.ordered_at,
            )
        )
        grant.last_changed_at = envelope.recorded_at


@project.register
def recovery_received(
    event: payments.RecoveryReceived, record: StreamRecord, envelope: Envelope
) -> None:
    if (grant := _grant(record, event)) is None:
        return
    ordered = [r for r in grant.recoveries if r.recovery_id == event.recovery_id]
    if ordered:
        ordered[0].received_at = event.received_at
        ordered[0].amount_cents = event.amount_cents
    else:
        grant.recoveries.append(
            Recovery(
                recovery_id=event.recovery_id,
                amount_cents=event.amount_cents,
                ordered_at=event.received_at,
                received_at=event.received_at,
            )
        )
    grant.last_changed_at = envelope.recorded_at


@project.register
def grant_cancelled(
    event: payments.GrantCancelled, record: StreamRecord, envelope: Envelope
) -> None:
    if (grant := _grant(record, event)) is not None:
        grant.status, grant.released_cents = "cancelled", event.released_cents
        grant.last_changed_at = envelope.recorded_at


@project.register
def grant_closed(event: payments.GrantClosed, record: StreamRecord, envelope: Envelope) -> None:
    if (grant := _grant(record, event)) is not None:
        grant.status = "closed"
        grant.last_changed_at = envelope.recorded_at


def _grant(record: StreamRecord, event: payments.GrantEvent) -> GrantFacts | None:
    """The grant the event is about, kept on the stream that awarded it. An event of
    a grant this stream never awarded moves no figure here: said loudly, not guessed."""
    if record.grant is None or record.grant.grant_id != event.grant_id:
        log.warning(
            "%s for grant %s on stream %s, which did not award it: not projected",
            event.event_type,
            event.grant_id,
            record.stream_id,
        )
        return None
    return record.grant
