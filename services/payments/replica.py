"""What payments keeps of other services' facts, from their events: programmes
and calls (terms and budgets, from `calls.events`) and organisations with their
members (from `applications.events`). A call's row also holds its ledger, which
services/payments/call_books.py reads and writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import events as applications
from services.calls import events as calls
from services.payments import tables
from services.payments.awarding import ProgrammeRules
from shared.consumer import Handlers
from shared.errors import NotFound
from shared.events import Envelope
from shared.replica import follow_statuses, versioned_change


async def lock_programme(conn: AsyncConnection, programme_id: str) -> None:
    """Serialise, per programme, learning of the programme, of its calls, and of its
    contracts until the transaction ends.

    The consumer handles partitions concurrently, so a contract and its call (or a
    call and its programme) may be handled at the same time, each transaction
    blind to the other's uncommitted row: the contract would wait for a call
    already known, for ever. Under this lock the second sees what the first wrote."""
    await conn.execute(
        select(
            func.pg_advisory_xact_lock(
                func.hashtextextended(f"payments.programme:{programme_id}", 0)
            )
        )
    )


async def programme_rules(conn: AsyncConnection, programme_id: str) -> ProgrammeRules | None:
    row = (
        await conn.execute(select(tables.programmes).where(tables.programmes.c.id == programme_id))
    ).first()
    if row is None:
        return None
    return ProgrammeRules(
        row.currency,
        row.per_beneficiary_cap_cents,
        row.de_minimis_ceiling_cents,
        row.de_minimis_window_years,
        row.cap_applies_to_undertaking,
    )


async def organisation(conn: AsyncConnection, organisation_id: str) -> Any:
    """The organisation's row; 404 when payments has not heard of it."""
    row = (
        await conn.execute(
            select(tables.organisations).where(tables.organisations.c.id == organisation_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no organisation {organisation_id} (or not yet known to this service)")
    return row


async def member_of(conn: AsyncConnection, sub: str) -> set[str]:
    """The organisations `sub` is a member of."""
    return set(
        (
            await conn.scalars(
                select(tables.members.c.organisation_id).where(tables.members.c.sub == sub)
            )
        ).all()
    )


async def keep_organisation(conn: AsyncConnection, ref: applications.OrganisationRef) -> None:
    """The organisation as it stood when its latest event named it."""
    values = {
        "name": ref.name,
        "country": ref.country,
        "size": ref.size,
        "pic": ref.pic,
        "vat_id": ref.vat_id,
    }
    await conn.execute(
        pg_insert(tables.organisations)
        .values(id=ref.organisation_id, **values)
        .on_conflict_do_update(index_elements=[tables.organisations.c.id], set_=values)
    )


# --- the consumer of calls.events and applications.events ------------------------------

CallKnown = Callable[[AsyncConnection, str], Awaitable[None]]


def _plan(terms: calls.CallTerms) -> list[dict[str, Any]]:
    return [i.model_dump(mode="json") for i in terms.instalments]


def handlers(on: Handlers, call_known: CallKnown) -> Handlers:
    """Keep the replicas; `call_known` runs once a call and its programme are both
    known (contracts that arrived earlier wait for that)."""

    @on.on(calls.ProgrammeCreated.event_type)
    async def programme(
        conn: AsyncConnection, envelope: Envelope, e: calls.ProgrammeCreated
    ) -> None:
        await lock_programme(conn, e.programme_id)
        await conn.execute(
            pg_insert(tables.programmes)
            .values(
                id=e.programme_id,
                currency=e.currency,
                budget_cents=e.budget_cents,
                per_beneficiary_cap_cents=e.per_beneficiary_cap_cents,
                de_minimis_ceiling_cents=e.de_minimis.ceiling_cents,
                de_minimis_window_years=e.de_minimis.window_years,
                name=e.name,
                cap_applies_to_undertaking=e.de_minimis.cap_applies_to_undertaking,
            )
            .on_conflict_do_nothing(index_elements=[tables.programmes.c.id])
        )
        for call_id in (
            await conn.scalars(
                select(tables.calls.c.id).where(tables.calls.c.programme_id == e.programme_id)
            )
        ).all():
            await call_known(conn, call_id)

    @on.on(calls.CallDrafted.event_type)
    async def drafted(conn: AsyncConnection, envelope: Envelope, e: calls.CallDrafted) -> None:
        await lock_programme(conn, e.programme_id)
        await conn.execute(
            pg_insert(tables.calls)
            .values(
                id=e.call_id,
                programme_id=e.programme_id,
                currency=e.currency,
                status="draft",
                instalments=_plan(e.terms),
                counts_as_de_minimis=e.terms.counts_as_de_minimis,
                state_resources_percent=e.terms.state_resources_percent,
                version=envelope.version,
                budget_cents=e.terms.budget_cents,
            )
            .on_conflict_do_nothing(index_elements=[tables.calls.c.id])
        )  # its ledger starts at 0
        await call_known(conn, e.call_id)

    change = versioned_change(tables.calls)

    @on.on(calls.CallUpdated.event_type)
    async def updated(conn: AsyncConnection, envelope: Envelope, e: calls.CallUpdated) -> None:
        await change(
            envelope,
            conn,
            e.call_id,
            instalments=_plan(e.terms),
            counts_as_de_minimis=e.terms.counts_as_de_minimis,
            state_resources_percent=e.terms.state_resources_percent,
            budget_cents=e.terms.budget_cents,
        )

    @on.on(calls.CallBudgetAmended.event_type)
    async def amended(
        conn: AsyncConnection, envelope: Envelope, e: calls.CallBudgetAmended
    ) -> None:
        await change(envelope, conn, e.call_id, budget_cents=e.budget_cents)

    follow_statuses(on, change, calls.STATUS_AFTER, key="call_id")

    @on.on(applications.OrganisationRegistered.event_type)
    async def registered(
        conn: AsyncConnection, envelope: Envelope, e: applications.OrganisationRegistered
    ) -> None:
        await keep_organisation(
            conn,
            applications.OrganisationRef(
                organisation_id=e.organisation_id,
                name=e.name,
                country=e.country,
                size=e.size,
                pic=e.pic,
                vat_id=e.vat_id,
            ),
        )
        await _add_member(conn, e.organisation_id, e.registered_by)

    @on.on(applications.OrganisationMemberAdded.event_type)
    async def member_added(
        conn: AsyncConnection, envelope: Envelope, e: applications.OrganisationMemberAdded
    ) -> None:
        await _add_member(conn, e.organisation_id, e.member_sub)

    return on


async def _add_member(conn: AsyncConnection, organisation_id: str, sub: str) -> None:
    await conn.execute(
        pg_insert(tables.members)
        .values(organisation_id=organisation_id, sub=sub)
        .on_conflict_do_nothing()
    )
