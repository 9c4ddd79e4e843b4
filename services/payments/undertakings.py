"""Single undertakings as the register stores them: links between enterprises (one
row per pair, whichever side declared it), the undertaking an enterprise belongs to,
and the locks that keep the ceiling under concurrent awards and links.

Lock order, everywhere: the graph lock, then the member rows of `undertakings` in key
order. An award or a declaration of aid holds the graph lock shared, so the
undertaking it computed cannot change under it; a new link holds it exclusively, so
it waits for those and they wait for it. Two awards to one undertaking then queue on
its member rows; awards to different undertakings do not wait on each other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments.de_minimis import enterprise_key, normal_vat, undertaking_id
from services.payments.enterprise_file import Enterprise
from services.payments.state_aid_events import EnterpriseLinkDeclared
from services.payments.tables import enterprise_links as links
from services.payments.tables import organisations, undertakings

GRAPH_LOCK = "payments.single-undertakings"


async def lock_graph(conn: AsyncConnection, *, exclusive: bool) -> None:
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    await conn.execute(select(lock(func.hashtextextended(GRAPH_LOCK, 0))))


async def members_of(
    conn: AsyncConnection, key: str, as_of: datetime | None = None
) -> frozenset[str]:
    """The enterprises linked to `key`, transitively, by the links declared by `as_of`
    (all when None); `key` included. A cycle adds nobody twice."""
    found, frontier = {key}, {key}
    while frontier:
        query = select(links.c.enterprise_id, links.c.linked_enterprise_id).where(
            or_(
                links.c.enterprise_id.in_(sorted(frontier)),
                links.c.linked_enterprise_id.in_(sorted(frontier)),
            )
        )
        if as_of is not None:
            query = query.where(links.c.declared_at <= as_of)
        ends = {end for row in await conn.execute(query) for end in row}
        frontier = ends - found
        found |= frontier
    return frozenset(found)


async def lock_single_undertaking(conn: AsyncConnection, key: str) -> frozenset[str]:
    """The undertaking `key` belongs to, its members' rows held until the transaction
    ends: aid counted for it cannot change until then."""
    await lock_graph(conn, exclusive=False)
    members = await members_of(conn, key)
    await conn.execute(
        pg_insert(undertakings)
        .values([{"id": m} for m in sorted(members)])
        .on_conflict_do_nothing()
    )
    await conn.execute(
        select(undertakings.c.id)
        .where(undertakings.c.id.in_(sorted(members)))
        .order_by(undertakings.c.id)
        .with_for_update()
    )
    return members


def own_enterprise(org: Any) -> Enterprise:
    return Enterprise(
        undertaking_id(org.id, org.pic, org.vat_id),
        org.pic,
        normal_vat(org.vat_id) if org.vat_id else None,
        True,
    )


async def resolve(conn: AsyncConnection, pic: str | None, vat_id: str | None) -> Enterprise:
    """The enterprise a link names, keyed as the organisation Cascade knows with that
    PIC or VAT id would be; unknown ones are kept by what the link says."""
    vat = normal_vat(vat_id) if vat_id else None
    conditions = []
    if pic:
        conditions.append(organisations.c.pic == pic)
    if vat:
        conditions.append(func.upper(organisations.c.vat_id) == vat)
    row = (
        await conn.execute(
            select(organisations)
            .where(or_(*conditions))
            .order_by(organisations.c.pic.is_(None), organisations.c.id)
            .limit(1)
        )
    ).first()
    if row is None:
        return Enterprise(enterprise_key(pic, vat), pic, vat, False)
    return Enterprise(
        undertaking_id(row.id, row.pic, row.vat_id),
        pic or row.pic,
        vat or (normal_vat(row.vat_id) if row.vat_id else None),
        True,
    )


async def link_between(conn: AsyncConnection, a: str, b: str) -> str | None:
    found: str | None = await conn.scalar(
        select(links.c.id).where(
            or_(
                (links.c.enterprise_id == a) & (links.c.linked_enterprise_id == b),
                (links.c.enterprise_id == b) & (links.c.linked_enterprise_id == a),
            )
        )
    )
    return found


async def record_link(conn: AsyncConnection, e: EnterpriseLinkDeclared) -> None:
    await conn.execute(
        pg_insert(undertakings)
        .values([{"id": e.enterprise_id}, {"id": e.linked_enterprise_id}])
        .on_conflict_do_nothing()
    )
    await conn.execute(
        links.insert().values(
            id=e.link_id,
            organisation_id=e.organisation_id,
            enterprise_id=e.enterprise_id,
            linked_enterprise_id=e.linked_enterprise_id,
            linked_pic=e.linked_pic,
            linked_vat_id=e.linked_vat_id,
            linked_known=e.linked_known,
            relation=e.relation,
            declared_by=e.declared_by,
            declared_as=e.declared_as,
            declared_at=e.declared_at,
        )
    )


async def links_among(
    conn: AsyncConnection, members: frozenset[str], as_of: datetime | None = None
) -> list[Any]:
    query = (
        select(links)
        .where(links.c.enterprise_id.in_(sorted(members)))
        .order_by(links.c.declared_at, links.c.id)
    )
    if as_of is not None:
        query = query.where(links.c.declared_at <= as_of)
    return list(await conn.execute(query))


async def organisations_of(conn: AsyncConnection, members: frozenset[str]) -> list[Any]:
    """The organisations Cascade knows that are members of the undertaking."""
    pics = [m[4:] for m in members if m.startswith("PIC:")]
    vats = [m[4:] for m in members if m.startswith("VAT:")]
    ids = [m[4:] for m in members if m.startswith("ORG:")]
    rows = await conn.execute(
        select(organisations)
        .where(
            or_(
                organisations.c.pic.in_(pics),
                organisations.c.pic.is_(None) & func.upper(organisations.c.vat_id).in_(vats),
                organisations.c.id.in_(ids),
            )
        )
        .order_by(organisations.c.id)
    )
    return [row for row in rows if undertaking_id(row.id, row.pic, row.vat_id) in members]
