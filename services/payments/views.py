"""What the API shows of grants: written to their query tables
(services/payments/tables.py) in each command's transaction, read by lists and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import cast, func, select
from sqlalchemy.dialects.postgresql import JSONPATH
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments.events import FalseDeclaration, ReportAnnex, Trigger
from services.payments.grant import Grant
from services.payments.grant_state import (
    GrantStatus,
    InstalmentStatus,
    OrderStatus,
    RecoveryStatus,
    ReportStatus,
)
from services.payments.tables import grant_items, grants
from shared.errors import NotFound


class InstalmentView(BaseModel):
    id: str
    label: str
    percent: int
    amount_cents: int
    trigger: Trigger
    status: InstalmentStatus
    due_at: datetime | None
    paid_at: datetime | None
    payment_order_id: str | None


class PaymentOrderView(BaseModel):
    id: str
    grant_id: str
    instalment_id: str
    amount_cents: int
    attempt: int
    status: OrderStatus
    ordered_by: str | None  # null for the beneficiary
    ordered_at: datetime
    approved_by: str | None  # null for the beneficiary
    approved_at: datetime | None
    bank_reference: str | None
    disbursed_at: datetime | None
    failure_reason: str | None
    failed_at: datetime | None


class ReportView(BaseModel):
    id: str
    grant_id: str
    summary: str
    status: ReportStatus
    submitted_by: str
    submitted_at: datetime
    decided_at: datetime | None
    rejection_reason: str | None
    annexes: list[ReportAnnex] = []


class RecoveryView(BaseModel):
    id: str
    grant_id: str
    amount_cents: int
    reason: str
    status: RecoveryStatus
    ordered_at: datetime
    received_at: datetime | None
    false_declaration: FalseDeclaration | None = None


class GrantView(BaseModel):
    id: str
    application_id: str
    call_id: str
    programme_id: str
    organisation_id: str
    country: str | None
    currency: str
    amount_cents: int
    committed_cents: int
    paid_cents: int
    recovered_cents: int
    net_paid_cents: int
    status: GrantStatus
    awarded_at: datetime
    closed_at: datetime | None
    cancelled_at: datetime | None
    # The cancellation's ground when it is a declaration on honour found false.
    cancelled_for: FalseDeclaration | None = None
    instalments: list[InstalmentView]
    payment_orders: list[PaymentOrderView]
    reports: list[ReportView]
    recoveries: list[RecoveryView]
    version: int


def order_view(grant: Grant, order_id: str) -> PaymentOrderView:
    o = grant.order(order_id)
    return PaymentOrderView(grant_id=grant.id, **vars(o))


def report_view(grant: Grant, report_id: str) -> ReportView:
    return ReportView(grant_id=grant.id, **vars(grant.reports[report_id]))


def recovery_view(grant: Grant, recovery_id: str) -> RecoveryView:
    return RecoveryView(grant_id=grant.id, **vars(grant.recovery(recovery_id)))


def grant_view(grant: Grant) -> GrantView:
    a = grant.a
    return GrantView(
        id=grant.id,
        application_id=a.application_id,
        call_id=a.call_id,
        programme_id=a.programme_id,
        organisation_id=a.organisation_id,
        country=a.country,
        currency=a.currency,
        amount_cents=a.amount_cents,
        committed_cents=grant.committed_cents,
        paid_cents=grant.paid_cents,
        recovered_cents=grant.recovered_cents,
        net_paid_cents=grant.paid_cents - grant.recovered_cents,
        status=grant.status,
        awarded_at=a.awarded_at,
        closed_at=grant.closed_at,
        cancelled_at=grant.cancelled_at,
        cancelled_for=grant.cancelled_for,
        instalments=[InstalmentView(**vars(i)) for i in grant.instalments.values()],
        payment_orders=[order_view(grant, o) for o in grant.orders],
        reports=[report_view(grant, r) for r in grant.reports],
        recoveries=[recovery_view(grant, r) for r in grant.recoveries],
        version=grant.version,
    )


async def save_grant(conn: AsyncConnection, grant: Grant) -> GrantView:
    """The grant's row, and a row for each of its parts that has a URL."""
    view = grant_view(grant)
    a = grant.a
    values = {
        "application_id": a.application_id,
        "call_id": a.call_id,
        "programme_id": a.programme_id,
        "organisation_id": a.organisation_id,
        "status": grant.status,
        "committed_cents": grant.committed_cents,
        "version": grant.version,
        "body": view.model_dump(mode="json"),
    }
    await conn.execute(
        pg_insert(grants)
        .values(id=grant.id, **values)
        .on_conflict_do_update(index_elements=[grants.c.id], set_=values)
    )
    parts = (
        [("instalment", i) for i in grant.instalments]
        + [("payment_order", o) for o in grant.orders]
        + [("recovery", r) for r in grant.recoveries]
    )
    await conn.execute(
        pg_insert(grant_items)
        .values([{"id": id_, "kind": kind, "grant_id": grant.id} for kind, id_ in parts])
        .on_conflict_do_nothing()
    )
    return view


async def grant_of(conn: AsyncConnection, kind: str, item_id: str) -> str:
    """The grant an instalment, payment order or recovery belongs to (404 if none)."""
    found: str | None = await conn.scalar(
        select(grant_items.c.grant_id).where(
            grant_items.c.id == item_id, grant_items.c.kind == kind
        )
    )
    if found is None:
        raise NotFound(f"no {kind.replace('_', ' ')} {item_id}")
    return found


async def has_grant(conn: AsyncConnection, application_id: str) -> bool:
    return bool(
        await conn.scalar(
            select(func.count())
            .select_from(grants)
            .where(grants.c.application_id == application_id)
        )
    )


async def committed_in_programme(
    conn: AsyncConnection, programme_id: str, organisation_ids: set[str]
) -> int:
    """What the organisations hold in the programme: each grant's committed amount."""
    total = await conn.scalar(
        select(func.coalesce(func.sum(grants.c.committed_cents), 0)).where(
            grants.c.programme_id == programme_id,
            grants.c.organisation_id.in_(sorted(organisation_ids)),
        )
    )
    return int(total or 0)


# --- reads --------------------------------------------------------------------------

STAFF_ONLY = ("ordered_by", "approved_by")


def for_beneficiary(body: dict[str, Any]) -> dict[str, Any]:
    """A grant as its beneficiary sees it: without who in finance ordered and approved
    its payments (personal data of staff, and no business of the beneficiary)."""
    orders = [{**o, **dict.fromkeys(STAFF_ONLY)} for o in body.get("payment_orders", [])]
    return {**body, "payment_orders": orders}


async def grant_row(conn: AsyncConnection, grant_id: str) -> Any:
    row = (
        await conn.execute(
            select(grants.c.body, grants.c.version, grants.c.organisation_id).where(
                grants.c.id == grant_id
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"no grant {grant_id}")
    return row


async def list_grants(
    conn: AsyncConnection,
    *,
    after: str | None,
    limit: int,
    call_id: str | None = None,
    programme_id: str | None = None,
    organisation_ids: set[str] | None = None,
    awaiting_approval_by: str | None = None,
) -> list[Any]:
    """Grants in id order; `organisation_ids` limits them to those organisations';
    `awaiting_approval_by` to those with a payment order someone else ordered,
    which that finance officer may approve (the four-eyes queue)."""
    query = select(grants.c.body).order_by(grants.c.id).limit(limit)
    if awaiting_approval_by is not None:
        query = query.where(
            func.jsonb_path_exists(
                grants.c.body,
                cast(
                    '$.payment_orders[*] ? (@.status == "ordered" && @.ordered_by != $me)', JSONPATH
                ),
                func.jsonb_build_object("me", awaiting_approval_by),
            )
        )
    if after is not None:
        query = query.where(grants.c.id > after)
    if call_id is not None:
        query = query.where(grants.c.call_id == call_id)
    if programme_id is not None:
        query = query.where(grants.c.programme_id == programme_id)
    if organisation_ids is not None:
        query = query.where(grants.c.organisation_id.in_(sorted(organisation_ids)))
    return list((await conn.execute(query)).scalars())
