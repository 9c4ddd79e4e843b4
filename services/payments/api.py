"""The payments service's routes for grants, payment orders, reports and
recoveries: parse, run a handler, shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from services.payments import handlers, replica, views
from services.payments.commands import (
    CancelGrant,
    GiveReason,
    MarkDisbursed,
    OrderRecovery,
    SubmitReport,
)
from services.payments.grant import Grant
from shared.auth import (
    STAFF,
    Applicant,
    CurrentUser,
    FinanceOfficer,
    Principal,
    ProgrammeManager,
    Staff,
)
from shared.commands import CommandDep
from shared.http import ChassisDep, resource
from shared.pagination import Page, PageQuery

router = APIRouter(prefix="/v1", tags=["payments"])

CONFLICTS: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "a rule refused the command: `instalment_not_due`, "
        "`payment_order_not_pending`, `payment_order_not_approved`, "
        "`grant_cancelled`, `grant_closed`, `report_pending`, "
        "`recovery_exceeds_paid`, `version_conflict`, ..."
    }
}


def is_staff(user: Principal) -> bool:
    return user.has_any_role(STAFF)


# --- grants: reads ------------------------------------------------------------------


@router.get("/grants", response_model=Page[views.GrantView])
async def list_grants(
    user: CurrentUser,
    chassis: ChassisDep,
    page: PageQuery,
    call_id: UUID | None = None,
    programme_id: UUID | None = None,
    organisation_id: UUID | None = None,
    awaiting_my_approval: bool = False,
) -> Page[Any]:
    """Staff see every grant; an applicant those of the organisations they belong to.

    `awaiting_my_approval=true`: only grants with a payment order the caller may
    approve, that is ordered by another finance officer (the four-eyes queue)."""
    after = page.after(tuple[UUID])
    async with chassis.engine.connect() as conn:
        organisations = None if is_staff(user) else await replica.member_of(conn, user.sub)
        if organisation_id is not None:
            wanted = {str(organisation_id)}
            organisations = wanted if organisations is None else wanted & organisations
        rows = await views.list_grants(
            conn,
            after=str(after[0]) if after else None,
            limit=page.fetch,
            call_id=str(call_id) if call_id else None,
            programme_id=str(programme_id) if programme_id else None,
            organisation_ids=organisations,
            awaiting_approval_by=user.sub if awaiting_my_approval else None,
        )
    if not is_staff(user):
        rows = [views.for_beneficiary(row) for row in rows]
    return page.page(rows, key=lambda row: (row["id"],))


@router.get("/grants/{grant_id}", response_model=views.GrantView)
async def get_grant(grant_id: UUID, user: CurrentUser, chassis: ChassisDep) -> Response:
    async with chassis.engine.connect() as conn:
        row = await views.grant_row(conn, str(grant_id))
        if is_staff(user):
            return resource(row.body, row.version)
        if row.organisation_id not in await replica.member_of(conn, user.sub):
            raise handlers.NotAMember(
                "only members of the beneficiary organisation may see its grant"
            )
    return resource(views.for_beneficiary(row.body), row.version)


@router.post("/grants/{grant_id}/cancel", response_model=views.GrantView, responses=CONFLICTS)
async def cancel_grant(
    grant_id: UUID, body: CancelGrant, _: ProgrammeManager, command: CommandDep
) -> Response:
    """No further payment: what was committed and not paid is released in the call."""
    return await command.execute(lambda uow: handlers.cancel_grant(uow, grant_id, body))


# --- final reports ------------------------------------------------------------------


@router.post(
    "/grants/{grant_id}/reports",
    status_code=201,
    response_model=views.ReportView,
    responses=CONFLICTS,
)
async def submit_report(
    grant_id: UUID, body: SubmitReport, _: Applicant, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.submit_report(uow, grant_id, body))


@router.post(
    "/grants/{grant_id}/reports/{report_id}/approve",
    response_model=views.ReportView,
    responses=CONFLICTS,
)
async def approve_report(
    grant_id: UUID, report_id: UUID, _: ProgrammeManager, command: CommandDep
) -> Response:
    """Approval makes the instalments due on an approved report due."""
    return await command.execute(lambda uow: handlers.approve_report(uow, grant_id, report_id))


@router.post(
    "/grants/{grant_id}/reports/{report_id}/reject",
    response_model=views.ReportView,
    responses=CONFLICTS,
)
async def reject_report(
    grant_id: UUID, report_id: UUID, body: GiveReason, _: ProgrammeManager, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.reject_report(uow, grant_id, report_id, body))


# --- payments under four eyes -------------------------------------------------------


@router.post(
    "/instalments/{instalment_id}/payment-orders",
    status_code=201,
    response_model=views.PaymentOrderView,
    responses=CONFLICTS,
)
async def order_payment(instalment_id: UUID, _: FinanceOfficer, command: CommandDep) -> Response:
    return await command.execute(lambda uow: handlers.order_payment(uow, instalment_id))


@router.get("/payment-orders/{order_id}", response_model=views.PaymentOrderView)
async def get_payment_order(order_id: UUID, _: Staff, chassis: ChassisDep) -> Response:
    async with chassis.engine.connect() as conn:
        grant_id = await views.grant_of(conn, "payment_order", str(order_id))
        grant = await chassis.repository.get(conn, Grant, grant_id)
    return resource(views.order_view(grant, str(order_id)), grant.version)


@router.post(
    "/payment-orders/{order_id}/approve",
    response_model=views.PaymentOrderView,
    responses={
        **CONFLICTS,
        403: {"description": "`four_eyes`: the orderer cannot approve their own order"},
    },
)
async def approve_payment(order_id: UUID, _: FinanceOfficer, command: CommandDep) -> Response:
    return await command.execute(lambda uow: handlers.approve_payment(uow, order_id))


@router.post(
    "/payment-orders/{order_id}/disbursed",
    response_model=views.PaymentOrderView,
    responses=CONFLICTS,
)
async def mark_disbursed(
    order_id: UUID, body: MarkDisbursed, _: FinanceOfficer, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.mark_disbursed(uow, order_id, body))


@router.post(
    "/payment-orders/{order_id}/failed", response_model=views.PaymentOrderView, responses=CONFLICTS
)
async def mark_failed(
    order_id: UUID, body: GiveReason, _: FinanceOfficer, command: CommandDep
) -> Response:
    """The bank refused the transfer: the instalment can be ordered again."""
    return await command.execute(lambda uow: handlers.mark_failed(uow, order_id, body))


# --- recoveries ---------------------------------------------------------------------


@router.post(
    "/grants/{grant_id}/recoveries",
    status_code=201,
    response_model=views.RecoveryView,
    responses=CONFLICTS,
)
async def order_recovery(
    grant_id: UUID, body: OrderRecovery, _: FinanceOfficer, command: CommandDep
) -> Response:
    return await command.execute(lambda uow: handlers.order_recovery(uow, grant_id, body))


@router.post(
    "/recoveries/{recovery_id}/received", response_model=views.RecoveryView, responses=CONFLICTS
)
async def receive_recovery(recovery_id: UUID, _: FinanceOfficer, command: CommandDep) -> Response:
    return await command.execute(lambda uow: handlers.receive_recovery(uow, recovery_id))
