"""The de minimis register's export: every award of de minimis aid granted in a
period, in the shape a national central register takes in (one row per award, the
beneficiary's identifiers, its single undertaking, the grantor, the date the legal
right was conferred, the counted amount in EUR and the legal basis)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments import undertakings
from services.payments.de_minimis import undertaking_name
from services.payments.tables import de_minimis_aid as aid
from services.payments.tables import organisations, programmes

LEGAL_BASIS = "Commission Regulation (EU) 2023/2831"


class ExportedAward(BaseModel):
    grant_id: str
    beneficiary_name: str
    beneficiary_country: str
    beneficiary_pic: str | None
    beneficiary_vat_id: str | None
    organisation_id: str
    undertaking_id: str
    undertaking_members: list[str]
    grantor: str  # the Cascade programme that awarded the aid
    programme_id: str
    call_id: str
    granted_on: date  # the day the legal right to the aid was conferred (the contract)
    award_cents: int
    state_resources_percent: int
    counted_eur_cents: int
    counted_eur: str  # the same, as a decimal string: "12345.67"
    legal_basis: str


class DeMinimisExport(BaseModel):
    period_from: date
    period_to: date
    legal_basis: str
    generated_at: datetime
    items: list[ExportedAward]


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def awards_between(conn: AsyncConnection, start: date, end: date) -> list[ExportedAward]:
    """Awards granted from `start` to `end` (both days included) that count as de minimis
    aid, oldest first, each with its beneficiary's undertaking as the register knows it."""
    rows = await conn.execute(
        select(
            aid,
            organisations.c.name,
            organisations.c.country,
            organisations.c.pic,
            organisations.c.vat_id,
            func.coalesce(programmes.c.name, aid.c.programme_id).label("grantor"),
        )
        .join(organisations, organisations.c.id == aid.c.organisation_id)
        .outerjoin(programmes, programmes.c.id == aid.c.programme_id)
        .where(
            aid.c.awarded_at >= _instant(start),
            aid.c.awarded_at < _instant(end + timedelta(days=1)),
            aid.c.amount_cents > 0,
        )
        .order_by(aid.c.awarded_at, aid.c.grant_id)
    )
    found: list[ExportedAward] = []
    groups: dict[str, frozenset[str]] = {}
    for row in rows:
        key = row.undertaking_id
        if key not in groups:
            groups[key] = await undertakings.members_of(conn, key)
        members = groups[key]
        found.append(
            ExportedAward(
                grant_id=row.grant_id,
                beneficiary_name=row.name,
                beneficiary_country=row.country,
                beneficiary_pic=row.pic,
                beneficiary_vat_id=row.vat_id,
                organisation_id=row.organisation_id,
                undertaking_id=undertaking_name(members),
                undertaking_members=sorted(members),
                grantor=row.grantor,
                programme_id=row.programme_id,
                call_id=row.call_id,
                granted_on=row.awarded_at.date(),
                award_cents=row.award_cents,
                state_resources_percent=row.state_resources_percent,
                counted_eur_cents=row.amount_cents,
                counted_eur=f"{row.amount_cents // 100}.{row.amount_cents % 100:02d}",
                legal_basis=LEGAL_BASIS,
            )
        )
    return found


COLUMNS = [name for name in ExportedAward.model_fields if name != "counted_eur_cents"]


def _cell(value: object) -> str:
    text = ";".join(value) if isinstance(value, list) else "" if value is None else str(value)
    # A spreadsheet would run a cell that starts like a formula: names are typed by people.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(items: list[ExportedAward]) -> Iterator[str]:
    """The CSV shape: a header row, then one row per award (members joined with `;`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        values = item.model_dump(mode="json")
        writer.writerow([_cell(values[name]) for name in COLUMNS])
    yield buffer.getvalue()
