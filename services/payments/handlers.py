"""One verb function per command, each inside its unit of work: load, decide, save
the grant with its query tables and, when money moves, its call's ledger.

A command that moves money locks the call's ledger row before it loads the
grant: racing commands on one grant then decide one after the other, each on
the state the one before left, so the loser of a race is refused for what
actually happened (`payment_order_not_approved`), never by a half-seen state."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from services.payments import books, call_books, register, replica, report_annex_views, views
from services.payments.commands import (
    CancelGrant,
    GiveReason,
    MarkDisbursed,
    OrderRecovery,
    SubmitReport,
)
from services.payments.errors import NotAMember
from services.payments.grant import Grant
from services.payments.tables import grants
from shared.commands import CommandResult, UnitOfWork
from shared.errors import NotFound
from shared.ids import uuid7

__all__ = ["NotAMember"]


async def _ledger_and_grant(uow: UnitOfWork, grant_id: str) -> tuple[call_books.CallBooks, Grant]:
    call_id = await uow.conn.scalar(select(grants.c.call_id).where(grants.c.id == grant_id))
    if call_id is None:
        raise NotFound(f"no grant {grant_id}")
    call = await call_books.ledger_of(uow.conn, call_id)
    return call, await uow.load(Grant, grant_id)


async def _of_item(uow: UnitOfWork, kind: str, item_id: UUID) -> Grant:
    return await uow.load(Grant, await views.grant_of(uow.conn, kind, str(item_id)))


async def _save(uow: UnitOfWork, grant: Grant, call: call_books.CallBooks | None = None) -> None:
    await uow.save(grant)
    await views.save_grant(uow.conn, grant)
    if call is not None:
        await call_books.save_ledger(uow.conn, call)


# --- payments -----------------------------------------------------------------------


async def order_payment(uow: UnitOfWork, instalment_id: UUID) -> CommandResult:
    grant = await _of_item(uow, "instalment", instalment_id)
    order_id = str(uuid7())
    grant.order_payment(str(instalment_id), order_id, uow.principal.sub, uow.now())
    await _save(uow, grant)
    return uow.result(
        grant,
        views.order_view(grant, order_id),
        status=201,
        location=f"/v1/payment-orders/{order_id}",
    )


async def approve_payment(uow: UnitOfWork, order_id: UUID) -> CommandResult:
    grant = await _of_item(uow, "payment_order", order_id)
    grant.approve_payment(str(order_id), uow.principal.sub, uow.now())
    await _save(uow, grant)
    return uow.result(grant, views.order_view(grant, str(order_id)))


async def mark_disbursed(uow: UnitOfWork, order_id: UUID, cmd: MarkDisbursed) -> CommandResult:
    grant_id = await views.grant_of(uow.conn, "payment_order", str(order_id))
    call, grant = await _ledger_and_grant(uow, grant_id)
    books.disburse(call.ledger, grant, str(order_id), cmd.bank_reference, uow.now())
    await _save(uow, grant, call)
    return uow.result(grant, views.order_view(grant, str(order_id)))


async def mark_failed(uow: UnitOfWork, order_id: UUID, cmd: GiveReason) -> CommandResult:
    grant = await _of_item(uow, "payment_order", order_id)
    grant.fail_payment(str(order_id), cmd.reason, uow.now())
    await _save(uow, grant)
    return uow.result(grant, views.order_view(grant, str(order_id)))


# --- final reports ------------------------------------------------------------------


async def submit_report(uow: UnitOfWork, grant_id: UUID, cmd: SubmitReport) -> CommandResult:
    grant = await uow.load(Grant, str(grant_id))
    if grant.a.organisation_id not in await replica.member_of(uow.conn, uow.principal.sub):
        raise NotAMember("only members of the beneficiary organisation report on its grant")
    report_id = str(uuid7())
    grant.submit_report(report_id, cmd.summary, uow.principal.sub, uow.now())
    await _save(uow, grant)
    await report_annex_views.save(uow.conn, grant)  # the files attached go with it
    return uow.result(
        grant,
        views.report_view(grant, report_id),
        status=201,
        location=f"/v1/grants/{grant.id}/reports/{report_id}",
    )


async def approve_report(uow: UnitOfWork, grant_id: UUID, report_id: UUID) -> CommandResult:
    grant = await uow.load(Grant, str(grant_id))
    grant.approve_report(str(report_id), uow.now())
    await _save(uow, grant)
    return uow.result(grant, views.report_view(grant, str(report_id)))


async def reject_report(
    uow: UnitOfWork, grant_id: UUID, report_id: UUID, cmd: GiveReason
) -> CommandResult:
    grant = await uow.load(Grant, str(grant_id))
    grant.reject_report(str(report_id), cmd.reason, uow.now())
    await _save(uow, grant)
    return uow.result(grant, views.report_view(grant, str(report_id)))


# --- recoveries and cancellation ----------------------------------------------------


async def order_recovery(uow: UnitOfWork, grant_id: UUID, cmd: OrderRecovery) -> CommandResult:
    grant = await uow.load(Grant, str(grant_id))
    recovery_id = str(uuid7())
    grant.order_recovery(
        recovery_id, cmd.amount_cents, cmd.reason, uow.now(), cmd.false_declaration
    )
    await _save(uow, grant)
    return uow.result(
        grant,
        views.recovery_view(grant, recovery_id),
        status=201,
        location=f"/v1/recoveries/{recovery_id}",
    )


async def receive_recovery(uow: UnitOfWork, recovery_id: UUID) -> CommandResult:
    grant_id = await views.grant_of(uow.conn, "recovery", str(recovery_id))
    call, grant = await _ledger_and_grant(uow, grant_id)
    books.receive_recovery(call.ledger, grant, str(recovery_id), uow.now())
    await _save(uow, grant, call)
    return uow.result(grant, views.recovery_view(grant, str(recovery_id)))


async def cancel_grant(uow: UnitOfWork, grant_id: UUID, cmd: CancelGrant) -> CommandResult:
    call, grant = await _ledger_and_grant(uow, str(grant_id))
    books.cancel(call.ledger, grant, cmd.reason, uow.now(), cmd.false_declaration)
    await register.reduce_aid(uow.conn, grant.id, grant.committed_cents, uow.now())
    await _save(uow, grant, call)
    return uow.result(grant, views.grant_view(grant))
