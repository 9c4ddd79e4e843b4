"""The books as the API shows them: each call's ledger, a programme's as the sum of
its calls', and an undertaking's de minimis aid in a window."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.calls.events import DeMinimis
from services.payments import register, tables
from services.payments.de_minimis import Headroom, undertaking_id, window_start
from shared.errors import NotFound


class Figures(BaseModel):
    currency: str
    budget_cents: int
    committed_cents: int
    paid_cents: int
    recovered_cents: int
    net_paid_cents: int  # paid less recovered
    available_cents: int  # budget less committed


class CallLedgerView(Figures):
    call_id: str
    programme_id: str


class ProgrammeLedgerView(Figures):
    programme_id: str
    calls: list[CallLedgerView]


class Aid(BaseModel):
    grant_id: str
    organisation_id: str
    programme_id: str
    call_id: str
    amount_cents: int
    awarded_at: datetime


class DeMinimisView(BaseModel):
    organisation_id: str
    undertaking_id: str
    on: date
    window_years: int
    window_start: date  # aid awarded after this day counts
    ceiling_cents: int
    aid_cents: int
    headroom_cents: int
    awards: list[Aid]


def _call_view(row: Row[Any]) -> CallLedgerView:
    r = row._mapping
    return CallLedgerView(
        call_id=r["id"], programme_id=r["programme_id"], currency=r["currency"],
        budget_cents=r["budget_cents"], committed_cents=r["committed_cents"],
        paid_cents=r["paid_cents"], recovered_cents=r["recovered_cents"],
        net_paid_cents=r["paid_cents"] - r["recovered_cents"],
        available_cents=r["budget_cents"] - r["committed_cents"])


async def call_ledger(conn: AsyncConnection, call_id: str) -> CallLedgerView:
    row = (await conn.execute(select(tables.calls).where(tables.calls.c.id == call_id))).first()
    if row is None:
        raise NotFound(f"no call {call_id} (or not yet known to this service)")
    return _call_view(row)


async def programme_ledger(conn: AsyncConnection, programme_id: str) -> ProgrammeLedgerView:
    programmes = tables.programmes
    programme = (await conn.execute(select(programmes.c.currency, programmes.c.budget_cents)
                                    .where(programmes.c.id == programme_id))).first()
    if programme is None:
        raise NotFound(f"no programme {programme_id} (or not yet known to this service)")
    calls = [_call_view(row) for row in await conn.execute(
        select(tables.calls).where(tables.calls.c.programme_id == programme_id)
        .order_by(tables.calls.c.id))]
    committed = sum(c.committed_cents for c in calls)
    paid, recovered = sum(c.paid_cents for c in calls), sum(c.recovered_cents for c in calls)
    return ProgrammeLedgerView(
        programme_id=programme_id, currency=programme.currency,
        budget_cents=programme.budget_cents, committed_cents=committed, paid_cents=paid,
        recovered_cents=recovered, net_paid_cents=paid - recovered,
        available_cents=programme.budget_cents - committed, calls=calls)


async def de_minimis(conn: AsyncConnection, organisation_id: str, on: date,
                     programme_id: str | None) -> DeMinimisView:
    """The aid of the organisation's undertaking in the window ending on `on`, under
    the programme's settings when one is named, else the regulation's defaults."""
    org = (await conn.execute(select(tables.organisations)
                              .where(tables.organisations.c.id == organisation_id))).first()
    if org is None:
        raise NotFound(f"no organisation {organisation_id} (or not yet known to this service)")
    years, ceiling = DeMinimis().window_years, DeMinimis().ceiling_cents
    if programme_id is not None:
        settings = (await conn.execute(
            select(tables.programmes.c.de_minimis_window_years,
                   tables.programmes.c.de_minimis_ceiling_cents)
            .where(tables.programmes.c.id == programme_id))).first()
        if settings is None:
            raise NotFound(f"no programme {programme_id} (or not yet known to this service)")
        years, ceiling = settings
    undertaking = undertaking_id(organisation_id, org.pic, org.vat_id)
    awards = await register.awards_in_window(conn, undertaking, on, years)
    room = Headroom(ceiling, sum(int(str(a["amount_cents"])) for a in awards))
    return DeMinimisView(
        organisation_id=organisation_id, undertaking_id=undertaking, on=on, window_years=years,
        window_start=window_start(on, years), ceiling_cents=ceiling, aid_cents=room.aid_cents,
        headroom_cents=room.headroom_cents,
        awards=[Aid.model_validate(a) for a in awards])
