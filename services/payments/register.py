"""The de minimis register: the aid each enterprise received through Cascade (its
state-resource share) and declared from other grantors, and what of it counts for a
single undertaking in a rolling window, now or as the register stood at an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments.de_minimis import why_not_counted, window_start
from services.payments.events import AidSource
from services.payments.state_aid_events import DeclaredAid
from services.payments.tables import de_minimis_aid as aid
from services.payments.tables import declared_aid as declared
from services.payments.tables import programmes


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    """Aid granted after `start` and (for aid declared from elsewhere) by `end` counts;
    `as_of` is the instant whose knowledge is used (None: everything known now)."""

    start: date
    end: date
    as_of: datetime | None = None

    @classmethod
    def ending(cls, end: date, years: int, as_of: datetime | None = None) -> Window:
        return cls(window_start(end, years), end, as_of)


async def record_aid(
    conn: AsyncConnection,
    *,
    grant_id: str,
    undertaking_id: str,
    organisation_id: str,
    programme_id: str,
    call_id: str,
    award_cents: int,
    counted_cents: int,
    state_resources_percent: int,
    awarded_at: datetime,
) -> None:
    await conn.execute(
        pg_insert(aid)
        .values(
            grant_id=grant_id,
            undertaking_id=undertaking_id,
            organisation_id=organisation_id,
            programme_id=programme_id,
            call_id=call_id,
            amount_cents=counted_cents,
            award_cents=award_cents,
            counted_at_award_cents=counted_cents,
            state_resources_percent=state_resources_percent,
            awarded_at=awarded_at,
        )
        .on_conflict_do_nothing()
    )


async def reduce_aid(
    conn: AsyncConnection, grant_id: str, committed_cents: int, at: datetime
) -> None:
    """A cancelled grant counts only with the state-resource share of what was paid."""
    await conn.execute(
        update(aid)
        .where(aid.c.grant_id == grant_id)
        .values(
            # the share rounded up, as at the award (all non-negative: floor is truncation)
            amount_cents=(committed_cents * aid.c.state_resources_percent + 99) // 100,
            reduced_at=at,
        )
    )


async def record_declared(conn: AsyncConnection, e: DeclaredAid, version: int) -> None:
    await conn.execute(
        declared.insert().values(
            entry_id=e.entry_id,
            version=version,
            organisation_id=e.organisation_id,
            enterprise_id=e.enterprise_id,
            grantor=e.grantor,
            granted_on=e.granted_on,
            amount_cents=e.amount_cents,
            currency=e.currency,
            rate_to_eur=e.rate_to_eur,
            rate_source=e.rate_source,
            eur_cents=e.eur_cents,
            recorded_by=e.recorded_by,
            recorded_as=e.recorded_as,
            reason=e.reason,
            recorded_at=e.recorded_at,
        )
    )


async def entry_versions(conn: AsyncConnection, entry_id: str) -> int:
    return int(
        await conn.scalar(
            select(func.count()).select_from(declared).where(declared.c.entry_id == entry_id)
        )
        or 0
    )


async def cascade_aid(
    conn: AsyncConnection, members: frozenset[str], window: Window, *, bounded: bool = True
) -> list[dict[str, Any]]:
    """Cascade's awards to the members in the window; unbounded, also those dated after
    its end (an award decided out of order still counts against the next one)."""
    counted: Any = aid.c.amount_cents
    conditions = [
        aid.c.undertaking_id.in_(sorted(members)),
        aid.c.awarded_at > _end_of(window.start),
    ]
    if window.as_of is not None:
        reduced = and_(aid.c.reduced_at.is_not(None), aid.c.reduced_at <= window.as_of)
        counted = case((reduced, aid.c.amount_cents), else_=aid.c.counted_at_award_cents)
        conditions.append(aid.c.awarded_at <= window.as_of)
    if bounded:
        conditions.append(aid.c.awarded_at <= _end_of(window.end))
    rows = await conn.execute(
        select(
            aid.c.grant_id,
            aid.c.undertaking_id.label("enterprise_id"),
            aid.c.organisation_id,
            aid.c.programme_id,
            aid.c.call_id,
            aid.c.award_cents,
            counted.label("counted_cents"),
            aid.c.state_resources_percent,
            aid.c.awarded_at,
            func.coalesce(programmes.c.name, aid.c.programme_id).label("grantor"),
        )
        .outerjoin(programmes, programmes.c.id == aid.c.programme_id)
        .where(*conditions)
        .order_by(aid.c.awarded_at, aid.c.grant_id)
    )
    return [dict(row._mapping) for row in rows]


async def declared_aid(
    conn: AsyncConnection, members: frozenset[str], window: Window
) -> list[dict[str, Any]]:
    """Every entry declared for the members (its newest version known at `as_of`),
    each with `counted` and, when it does not count in the window, `not_counted`."""
    query = (
        select(declared)
        .where(declared.c.enterprise_id.in_(sorted(members)))
        .order_by(declared.c.entry_id, declared.c.version)
    )
    if window.as_of is not None:
        query = query.where(declared.c.recorded_at <= window.as_of)
    newest = {row.entry_id: row for row in await conn.execute(query)}
    entries = []
    for row in newest.values():
        entry = dict(row._mapping)
        entry["not_counted"] = why_not_counted(row.granted_on, window.start, window.end)
        entry["counted"] = entry["not_counted"] is None
        entries.append(entry)
    return sorted(entries, key=lambda e: (e["granted_on"], e["entry_id"]))


def sources(awards: list[dict[str, Any]], entries: list[dict[str, Any]]) -> list[AidSource]:
    """The counted aid per grantor: Cascade's programmes, then the declared grantors."""
    totals: dict[tuple[str, str], int] = {}
    for a in awards:
        key = ("cascade", str(a["grantor"]))
        totals[key] = totals.get(key, 0) + int(a["counted_cents"])
    for e in entries:
        if e["counted"]:
            key = ("declared", str(e["grantor"]))
            totals[key] = totals.get(key, 0) + int(e["eur_cents"])
    return [
        AidSource(source=kind, grantor=grantor, counted_cents=cents)  # type: ignore[arg-type]
        for (kind, grantor), cents in totals.items()
    ]
