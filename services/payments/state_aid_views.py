"""The de minimis register as the API shows it: a single undertaking with its
members, links, aid per source and headroom, now or as it stood at an instant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from services.calls.events import DeMinimis
from services.payments import register, replica, undertakings
from services.payments.de_minimis import (
    NotCounted,
    Relation,
    undertaking_id,
    undertaking_name,
    why_not_counted,
    window_start,
)
from services.payments.events import AidSource
from services.payments.state_aid_events import DeclaredAid, DeclaredAs, EnterpriseLinkDeclared
from shared.errors import NotFound


class LinkView(BaseModel):
    id: str
    enterprise_id: str
    linked_enterprise_id: str
    relation: Relation  # read from enterprise_id's side
    linked_known: bool  # false: unverified, no organisation known with that PIC or VAT id
    declared_by: str
    declared_as: DeclaredAs
    declared_at: datetime


class DeclaredAidView(BaseModel):
    id: str
    revision: int  # 1, then one more per correction
    organisation_id: str
    grantor: str
    granted_on: date
    amount_cents: int  # minor units of currency
    currency: str
    rate_to_eur: Decimal
    rate_source: str
    eur_cents: int
    recorded_as: DeclaredAs
    reason: str | None
    recorded_at: datetime
    counted: bool  # in the window shown (or, in a command's answer, today's)
    not_counted: NotCounted | None


class AwardAid(BaseModel):
    grant_id: str
    organisation_id: str
    programme_id: str
    call_id: str
    award_cents: int
    state_resources_percent: int
    amount_cents: int  # what counts: the state-resource share (less after a cancellation)
    awarded_at: datetime


class Member(BaseModel):
    enterprise_id: str
    organisation_ids: list[str]  # the organisations Cascade knows with this key
    verified: bool  # false: only named in a link
    aid_cents: int


class DeMinimisView(BaseModel):
    organisation_id: str
    undertaking_id: str  # the smallest member key
    as_of: datetime | None  # the register as it stood then; null: as it stands
    on: date
    window_years: int
    window_start: date  # aid granted after this day counts
    ceiling_cents: int
    aid_cents: int
    headroom_cents: int
    exceeds_ceiling: bool  # only through links or aid declared after the awards
    members: list[Member]
    links: list[LinkView]
    sources: list[AidSource]
    awards: list[AwardAid]
    declared_aid: list[DeclaredAidView]


def link_view(e: EnterpriseLinkDeclared) -> LinkView:
    return LinkView(
        id=e.link_id,
        enterprise_id=e.enterprise_id,
        linked_enterprise_id=e.linked_enterprise_id,
        relation=e.relation,
        linked_known=e.linked_known,
        declared_by=e.declared_by,
        declared_as=e.declared_as,
        declared_at=e.declared_at,
    )


def entry_view(e: DeclaredAid, version: int, today: date) -> DeclaredAidView:
    """An entry as recorded, with whether it counts in the regulation's window today."""
    why = why_not_counted(e.granted_on, window_start(today, DeMinimis().window_years), today)
    return DeclaredAidView(
        id=e.entry_id,
        revision=version,
        **e.model_dump(
            include={
                "organisation_id",
                "grantor",
                "granted_on",
                "amount_cents",
                "currency",
                "rate_to_eur",
                "rate_source",
                "eur_cents",
                "recorded_as",
                "reason",
                "recorded_at",
            }
        ),
        counted=why is None,
        not_counted=why,
    )


def _row_link(row: Any) -> LinkView:
    return LinkView(
        id=row.id,
        enterprise_id=row.enterprise_id,
        linked_enterprise_id=row.linked_enterprise_id,
        relation=row.relation,
        linked_known=row.linked_known,
        declared_by=row.declared_by,
        declared_as=row.declared_as,
        declared_at=row.declared_at,
    )


async def de_minimis(
    conn: AsyncConnection,
    organisation_id: str,
    on: date,
    as_of: datetime | None,
    programme_id: str | None,
) -> DeMinimisView:
    """The organisation's single undertaking and its aid in the window ending on `on`,
    as known at `as_of`, under the programme's settings (else the regulation's)."""
    org = await replica.organisation(conn, organisation_id)
    years, ceiling = DeMinimis().window_years, DeMinimis().ceiling_cents
    if programme_id is not None:
        rules = await replica.programme_rules(conn, programme_id)
        if rules is None:
            raise NotFound(f"no programme {programme_id} (or not yet known to this service)")
        years, ceiling = rules.de_minimis_window_years, rules.de_minimis_ceiling_cents
    members = await undertakings.members_of(
        conn, undertaking_id(org.id, org.pic, org.vat_id), as_of
    )
    window = register.Window.ending(on, years, as_of)
    awards = await register.cascade_aid(conn, members, window)
    entries = await register.declared_aid(conn, members, window)
    sources = register.sources(awards, entries)
    total = sum(s.counted_cents for s in sources)
    known = await undertakings.organisations_of(conn, members)
    links = await undertakings.links_among(conn, members, as_of)
    return DeMinimisView(
        organisation_id=organisation_id,
        undertaking_id=undertaking_name(members),
        as_of=as_of,
        on=on,
        window_years=years,
        window_start=window.start,
        ceiling_cents=ceiling,
        aid_cents=total,
        headroom_cents=max(ceiling - total, 0),
        exceeds_ceiling=total > ceiling,
        members=[_member(key, known, awards, entries) for key in sorted(members)],
        links=[_row_link(row) for row in links],
        sources=sources,
        awards=[
            AwardAid(
                amount_cents=a["counted_cents"],
                **{
                    k: a[k]
                    for k in (
                        "grant_id",
                        "organisation_id",
                        "programme_id",
                        "call_id",
                        "award_cents",
                        "state_resources_percent",
                        "awarded_at",
                    )
                },
            )
            for a in awards
        ],
        declared_aid=[
            DeclaredAidView(
                id=e["entry_id"],
                revision=e["version"],
                **{k: e[k] for k in DeclaredAidView.model_fields if k in e and k != "id"},
            )
            for e in entries
        ],
    )


def _member(
    key: str, known: list[Any], awards: list[dict[str, Any]], entries: list[dict[str, Any]]
) -> Member:
    ids = [o.id for o in known if undertaking_id(o.id, o.pic, o.vat_id) == key]
    aid = sum(int(a["counted_cents"]) for a in awards if a["enterprise_id"] == key) + sum(
        int(e["eur_cents"]) for e in entries if e["enterprise_id"] == key and e["counted"]
    )
    return Member(enterprise_id=key, organisation_ids=ids, verified=bool(ids), aid_cents=aid)
