"""The de minimis register: the aid each undertaking received, in every programme,
and what counts in a rolling window before an award."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments.de_minimis import Headroom, window_start
from services.payments.tables import de_minimis_aid as aid
from services.payments.tables import undertakings


async def lock_undertaking(conn: AsyncConnection, undertaking_id: str) -> None:
    """Hold the undertaking's row until the transaction ends: awards to it queue here."""
    await conn.execute(pg_insert(undertakings).values(id=undertaking_id)
                       .on_conflict_do_nothing())
    await conn.execute(select(undertakings.c.id).where(undertakings.c.id == undertaking_id)
                       .with_for_update())


def _start_instant(award_date: date, window_years: int) -> datetime:
    return datetime.combine(window_start(award_date, window_years), time.max, tzinfo=UTC)


async def aid_in_window(conn: AsyncConnection, undertaking_id: str, award_date: date,
                        window_years: int) -> int:
    """The aid awarded to the undertaking after the window's start day, up to any date:
    an award recorded out of order still counts against the next one."""
    total = await conn.scalar(select(func.coalesce(func.sum(aid.c.amount_cents), 0)).where(
        aid.c.undertaking_id == undertaking_id,
        aid.c.awarded_at > _start_instant(award_date, window_years)))
    return int(total or 0)


async def headroom(conn: AsyncConnection, undertaking_id: str, award_date: date,
                   window_years: int, ceiling_cents: int) -> Headroom:
    return Headroom(ceiling_cents, await aid_in_window(conn, undertaking_id, award_date,
                                                       window_years))


async def record_aid(conn: AsyncConnection, *, grant_id: str, undertaking_id: str,
                     organisation_id: str, programme_id: str, call_id: str, amount_cents: int,
                     awarded_at: datetime) -> None:
    await conn.execute(pg_insert(aid).values(
        grant_id=grant_id, undertaking_id=undertaking_id, organisation_id=organisation_id,
        programme_id=programme_id, call_id=call_id, amount_cents=amount_cents,
        awarded_at=awarded_at).on_conflict_do_nothing())


async def reduce_aid(conn: AsyncConnection, grant_id: str, amount_cents: int) -> None:
    """A cancelled grant counts only with what was paid on it."""
    await conn.execute(update(aid).where(aid.c.grant_id == grant_id)
                       .values(amount_cents=amount_cents))


async def awards_in_window(conn: AsyncConnection, undertaking_id: str, on: date,
                           window_years: int) -> list[dict[str, object]]:
    """The undertaking's aid in the window that ends on the day `on`."""
    rows = await conn.execute(
        select(aid.c.grant_id, aid.c.organisation_id, aid.c.programme_id, aid.c.call_id,
               aid.c.amount_cents, aid.c.awarded_at)
        .where(aid.c.undertaking_id == undertaking_id,
               aid.c.awarded_at > _start_instant(on, window_years),
               aid.c.awarded_at <= datetime.combine(on, time.max, tzinfo=UTC))
        .order_by(aid.c.awarded_at, aid.c.grant_id))
    return [dict(row._mapping) for row in rows]
