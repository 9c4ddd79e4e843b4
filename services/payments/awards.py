"""Contracted applications become grants by themselves (`applications.ApplicationContracted`),
unless the call's budget, the programme's per-beneficiary cap or the de minimis
ceiling refuses them (`GrantRefused`). Decided in the consumer's transaction.

Concurrent awards serialise on locks taken in one order, the call's ledger row and
then the single undertaking's (undertakings.py), so two awards never both fit the
same budget or the same headroom, and never wait on each other in a cycle."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.events import ApplicationContracted
from services.payments import award_checks, books, call_books, register, replica, views
from services.payments.awarding import refusal
from services.payments.de_minimis import undertaking_id
from services.payments.events import DeMinimisFigures, GrantAwarded, GrantRefused
from services.payments.grant import Grant
from services.payments.tables import waiting_contracts
from shared.app import Chassis
from shared.consumer import Handlers
from shared.events import Envelope
from shared.eventstore import CommandContext
from shared.ids import uuid7

log = logging.getLogger("cascade.payments.awards")


def on_contracts(chassis: Chassis, on: Handlers) -> None:
    """Register the award policy, and the hand-over of waiting contracts to it."""

    @on.on(ApplicationContracted.event_type)
    async def contracted(
        conn: AsyncConnection, envelope: Envelope, e: ApplicationContracted
    ) -> None:
        await award(chassis, conn, envelope, e)


def refusal_stream(application_id: str) -> str:
    """The stream of a contract's refusal: one `GrantRefused` event at version 1,
    a fact of its own (no aggregate decides on it again); its existence is what
    makes a contract reported twice be decided once."""
    return f"refusal-{application_id}"


async def award(
    chassis: Chassis, conn: AsyncConnection, envelope: Envelope, e: ApplicationContracted
) -> None:
    """Award the contract, refuse it, or keep it until its call is known."""
    await replica.lock_programme(conn, e.programme_id)
    decided = (
        await views.has_grant(conn, e.application_id)
        or await chassis.store.head(conn, refusal_stream(e.application_id)) is not None
    )
    if decided:
        return  # the same contract reported twice is decided once
    await replica.keep_organisation(conn, e.organisation)
    call = await call_books.find_call(conn, e.call_id, lock=True)
    rules = await replica.programme_rules(conn, e.programme_id)
    if call is None or rules is None:
        # Topics are not ordered with each other: the call's events may come later.
        log.info("contract %s waits for call %s", e.application_id, e.call_id)
        await conn.execute(
            pg_insert(waiting_contracts)
            .values(
                application_id=e.application_id,
                call_id=e.call_id,
                envelope=envelope.model_dump(mode="json"),
            )
            .on_conflict_do_nothing()
        )
        return
    org = e.organisation
    undertaking = undertaking_id(org.organisation_id, org.pic, org.vat_id)
    standing = await award_checks.standing(conn, e, call, rules, undertaking)
    context = CommandContext().caused_by(envelope)
    refused = refusal(e.amount_cents, call.currency, rules, standing)
    if refused is None:
        await _grant(chassis, conn, context, e, call, undertaking, standing.de_minimis)
        return
    await chassis.store.append(
        conn,
        stream_type="grant_refusal",
        stream_id=refusal_stream(e.application_id),
        expected_version=0,
        context=context,
        new_events=[
            GrantRefused(
                application_id=e.application_id,
                call_id=e.call_id,
                programme_id=e.programme_id,
                organisation_id=org.organisation_id,
                amount_cents=e.amount_cents,
                reason_code=refused.code,
                reason=refused.reason,
                refused_at=e.contracted_at,
                currency=call.currency,
                country=org.country,
                undertaking_id=undertaking,
                limit_cents=refused.limit_cents,
                used_cents=refused.used_cents,
                de_minimis=standing.de_minimis,
            )
        ],
    )


async def _grant(
    chassis: Chassis,
    conn: AsyncConnection,
    context: CommandContext,
    e: ApplicationContracted,
    call: call_books.CallBooks,
    undertaking: str,
    figures: DeMinimisFigures | None,
) -> None:
    org = e.organisation
    grant = Grant(str(uuid7()))
    books.award(
        call.ledger,
        grant,
        GrantAwarded(
            grant_id=grant.id,
            application_id=e.application_id,
            call_id=e.call_id,
            programme_id=e.programme_id,
            organisation_id=org.organisation_id,
            amount_cents=e.amount_cents,
            awarded_at=e.contracted_at,
            currency=call.currency,
            country=org.country,
            organisation_size=org.size,
            undertaking_id=undertaking,
            objectives=tuple(e.objectives),
            counts_as_de_minimis=figures is not None,
            de_minimis=figures,
        ),
        call.plan,
        [str(uuid7()) for _ in call.plan],
    )
    await chassis.repository.save(conn, grant, context)
    await views.save_grant(conn, grant)
    await call_books.save_ledger(conn, call)
    if figures is not None:
        await register.record_aid(
            conn,
            grant_id=grant.id,
            undertaking_id=undertaking,
            organisation_id=org.organisation_id,
            programme_id=e.programme_id,
            call_id=e.call_id,
            award_cents=e.amount_cents,
            counted_cents=figures.counted_cents or 0,
            state_resources_percent=figures.state_resources_percent,
            awarded_at=e.contracted_at,
        )


def award_waiting(chassis: Chassis) -> replica.CallKnown:
    """What to do once a call is known: award the contracts that waited for it."""

    async def call_known(conn: AsyncConnection, call_id: str) -> None:
        rows = (
            (
                await conn.execute(
                    select(waiting_contracts.c.envelope)
                    .where(waiting_contracts.c.call_id == call_id)
                    .order_by(waiting_contracts.c.application_id)
                )
            )
            .scalars()
            .all()
        )
        for raw in rows:
            envelope = Envelope.model_validate(raw)
            contract = ApplicationContracted.model_validate(envelope.payload)
            await conn.execute(
                delete(waiting_contracts).where(
                    waiting_contracts.c.application_id == contract.application_id
                )
            )
            await award(chassis, conn, envelope, contract)

    return call_known
