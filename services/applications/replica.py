"""The local replica of each call, kept from `calls.events`: submission decides
on it alone, never on a synchronous call to the calls service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.errors import CallClosed
from services.applications.tables import call_replicas, programme_replicas
from services.calls import events as calls
from shared.app import Chassis
from shared.consumer import Handlers
from shared.errors import NotFound
from shared.events import Envelope
from shared.replica import follow_statuses, versioned_change


@dataclass
class CallReplica:
    """A call as this service knows it, with its submissions counted and the
    money selected in it (the figures of `call_money.CallMoney`)."""

    id: str
    programme_id: str
    status: str
    rules_version: int
    terms: calls.CallTerms
    received: int = 0
    committed_cents: int = 0
    exhausted: bool = False

    def accepts_submissions(self, now: datetime) -> bool:
        """Open from `opens_at` until strictly before `closes_at`, whether or not the
        calls service's own opening or closing event has arrived yet."""
        if self.status not in ("published", "open"):
            return False
        return self.terms.opens_at <= now < self.terms.closes_at

    def refuse_unless_open(self, now: datetime) -> None:
        if not self.accepts_submissions(now):
            raise CallClosed(
                f"call {self.terms.code} does not accept submissions at {now.isoformat()} "
                f"(it is {self.status}, open from {self.terms.opens_at.isoformat()} "
                f"until {self.terms.closes_at.isoformat()})",
                closes_at=self.terms.closes_at.isoformat(),
            )

    @property
    def available_cents(self) -> int:
        return self.terms.budget_cents - self.committed_cents

    @property
    def first_come_first_served(self) -> bool:
        return self.terms.selection_mode == "first_come_first_served"


async def find(conn: AsyncConnection, call_id: str, *, lock: bool = False) -> CallReplica:
    """The call's replica (404 if this service has not heard of it); `lock` holds
    its row until the transaction ends, queueing the call's other submissions."""
    query = select(call_replicas).where(call_replicas.c.id == call_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound(f"no call {call_id} (or not yet known to this service)")
    return CallReplica(
        row.id,
        row.programme_id,
        row.status,
        row.rules_version,
        calls.CallTerms.model_validate(row.terms),
        row.received,
        row.committed_cents,
        row.exhausted,
    )


async def save_tally(
    conn: AsyncConnection, call_id: str, received: int, committed_cents: int, exhausted: bool
) -> None:
    """The call's running figures, as its money (`call_money`) left them."""
    await conn.execute(
        update(call_replicas)
        .where(call_replicas.c.id == call_id)
        .values(received=received, committed_cents=committed_cents, exhausted=exhausted)
    )


async def programme_cap(conn: AsyncConnection, programme_id: str) -> int | None:
    """The programme's per-beneficiary cap (None: none, or the programme unknown)."""
    return await conn.scalar(
        select(programme_replicas.c.per_beneficiary_cap_cents).where(
            programme_replicas.c.id == programme_id
        )
    )


# --- the consumer of calls.events ---------------------------------------------------


def handlers(chassis: Chassis) -> Handlers:
    on = Handlers()

    @on.on(calls.ProgrammeCreated.event_type)
    async def programme(
        conn: AsyncConnection, envelope: Envelope, e: calls.ProgrammeCreated
    ) -> None:
        await conn.execute(
            pg_insert(programme_replicas)
            .values(id=e.programme_id, per_beneficiary_cap_cents=e.per_beneficiary_cap_cents)
            .on_conflict_do_nothing(index_elements=[programme_replicas.c.id])
        )

    @on.on(calls.CallDrafted.event_type)
    async def drafted(conn: AsyncConnection, envelope: Envelope, e: calls.CallDrafted) -> None:
        values = {
            "programme_id": e.programme_id,
            "status": "draft",
            "rules_version": e.rules_version,
            "terms": e.terms.model_dump(mode="json"),
            "version": envelope.version,
        }
        await conn.execute(
            pg_insert(call_replicas)
            .values(id=e.call_id, received=0, committed_cents=0, exhausted=False, **values)
            .on_conflict_do_nothing(index_elements=[call_replicas.c.id])
        )

    change = versioned_change(call_replicas)

    async def terms(conn: AsyncConnection, call_id: str) -> dict[str, Any]:
        found = await conn.scalar(
            select(call_replicas.c.terms).where(call_replicas.c.id == call_id)
        )
        return dict(found or {})

    @on.on(calls.CallUpdated.event_type)
    async def updated(conn: AsyncConnection, envelope: Envelope, e: calls.CallUpdated) -> None:
        await change(envelope, conn, e.call_id, terms=e.terms.model_dump(mode="json"))

    @on.on(calls.CallDeadlineExtended.event_type)
    async def extended(
        conn: AsyncConnection, envelope: Envelope, e: calls.CallDeadlineExtended
    ) -> None:
        current = await terms(conn, e.call_id)
        await change(
            envelope, conn, e.call_id, terms={**current, "closes_at": e.closes_at.isoformat()}
        )

    @on.on(calls.CallBudgetAmended.event_type)
    async def amended(
        conn: AsyncConnection, envelope: Envelope, e: calls.CallBudgetAmended
    ) -> None:
        current = await terms(conn, e.call_id)
        await change(envelope, conn, e.call_id, terms={**current, "budget_cents": e.budget_cents})

    follow_statuses(on, change, calls.STATUS_AFTER, key="call_id")
    return on
