"""What the API shows of organisations and applications: written to their query
tables (services/applications/tables.py) in each command's transaction, read by
lists and pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.domain import Application
from services.applications.events import (
    ApplicationStatus,
    DeclarationCode,
    Objective,
    RuleOutcome,
    Size,
    SmeCategory,
    SmeFigures,
)
from services.applications.organisations import Organisation
from services.applications.tables import applications, members, organisations
from shared.errors import NotFound, RuleViolation


class OrganisationView(BaseModel):
    id: str
    name: str
    country: str
    size: Size
    pic: str | None
    vat_id: str | None
    registered_on: date
    tags: list[str]
    version: int


class DeclarationView(BaseModel):
    id: str
    code: DeclarationCode
    accepted: bool = True
    figures: SmeFigures | None
    sme_category: SmeCategory | None
    declared_by: str
    declared_at: datetime


class ApplicationView(BaseModel):
    id: str
    call_id: str
    programme_id: str
    lead_organisation_id: str
    partner_organisation_ids: list[str]
    title: str
    summary: str
    requested_cents: int
    trl: int
    objectives: list[Objective]
    status: ApplicationStatus = Field(
        description="Until a ranked call's results are published, its applicants read "
        "a selected, reserve or rejected application as `evaluated` (no amount, reserve "
        "position or reason); staff and reviewers read the real status"
    )
    receipt: int | None
    submitted_at: datetime | None
    eligible: bool | None
    eligibility: list[RuleOutcome]
    amount_cents: int
    reason_code: str | None
    rank: int | None = None
    score: float | None = None
    criterion_scores: dict[str, float] | None = None
    ranking_reason: str | None = None
    reserve_rank: int | None = None
    answers: dict[str, Any] = {}
    declarations: list[DeclarationView] = []
    version: int


def organisation_view(o: Organisation) -> OrganisationView:
    return OrganisationView(
        id=o.id,
        name=o.name,
        country=o.country,
        size=o.size,
        pic=o.pic,
        vat_id=o.vat_id,
        registered_on=o.registered_on,
        tags=list(o.tags),
        version=o.version,
    )


def application_view(a: Application) -> ApplicationView:
    return ApplicationView(
        id=a.id,
        call_id=a.call_id,
        programme_id=a.programme_id,
        lead_organisation_id=a.lead_organisation_id,
        partner_organisation_ids=list(a.partner_organisation_ids),
        title=a.title,
        summary=a.summary,
        requested_cents=a.requested_cents,
        trl=a.trl,
        objectives=list(a.objectives),
        status=a.status,
        receipt=a.receipt,
        submitted_at=a.submitted_at,
        eligible=all(o.passed for o in a.outcomes) if a.receipt is not None else None,
        eligibility=list(a.outcomes),
        amount_cents=a.amount_cents,
        reason_code=a.reason_code,
        rank=a.ranked.rank if a.ranked else None,
        score=a.ranked.score if a.ranked else None,
        criterion_scores=a.ranked.criterion_scores if a.ranked else None,
        ranking_reason=a.ranked.reason if a.ranked else None,
        reserve_rank=a.reserve_rank,
        answers=a.answers,
        declarations=[
            DeclarationView(
                id=d.declaration_id,
                code=d.code,
                figures=d.figures,
                sme_category=d.sme_category,
                declared_by=d.declared_by,
                declared_at=d.declared_at,
            )
            for d in a.declarations.values()
        ],
        version=a.version,
    )


async def save_organisation(conn: AsyncConnection, o: Organisation) -> OrganisationView:
    view = organisation_view(o)
    values = {
        "pic": o.pic,
        "vat_id": o.vat_id,
        "version": o.version,
        "body": view.model_dump(mode="json"),
    }
    statement = (
        pg_insert(organisations)
        .values(id=o.id, **values)
        .on_conflict_do_update(index_elements=[organisations.c.id], set_=values)
    )
    try:
        # A savepoint: a PIC or VAT id taken, even by a concurrent registration,
        # fails this statement alone and becomes a clear refusal.
        async with conn.begin_nested():
            await conn.execute(statement)
    except IntegrityError:
        raise RuleViolation(
            "an organisation with this PIC or VAT id is registered", code="organisation_exists"
        ) from None
    await conn.execute(
        pg_insert(members)
        .values([{"organisation_id": o.id, "sub": sub} for sub in sorted(o.members)])
        .on_conflict_do_nothing()
    )
    return view


async def save_application(conn: AsyncConnection, a: Application) -> ApplicationView:
    view = application_view(a)
    values = {
        "call_id": a.call_id,
        "programme_id": a.programme_id,
        "lead_organisation_id": a.lead_organisation_id,
        "organisation_ids": [a.lead_organisation_id, *a.partner_organisation_ids],
        "status": a.status,
        "receipt": a.receipt,
        "version": a.version,
        "body": view.model_dump(mode="json"),
    }
    await conn.execute(
        pg_insert(applications)
        .values(id=a.id, **values)
        .on_conflict_do_update(index_elements=[applications.c.id], set_=values)
    )
    return view


async def member_of(conn: AsyncConnection, sub: str) -> set[str]:
    """The organisations `sub` belongs to."""
    return set(
        (
            await conn.execute(select(members.c.organisation_id).where(members.c.sub == sub))
        ).scalars()
    )


async def of_call(conn: AsyncConnection, call_id: str, statuses: tuple[str, ...]) -> list[Any]:
    """The call's applications in these statuses, in order of receipt."""
    return list(
        await conn.execute(
            select(applications)
            .where(applications.c.call_id == call_id, applications.c.status.in_(statuses))
            .order_by(applications.c.receipt)
        )
    )


async def awarded_amounts(conn: AsyncConnection, programme_id: str) -> dict[str, int]:
    """Each lead organisation's selected and contracted total in the programme."""
    rows = await conn.execute(
        select(
            applications.c.lead_organisation_id, applications.c.body["amount_cents"].astext
        ).where(
            applications.c.programme_id == programme_id,
            applications.c.status.in_(("selected", "contracted")),
        )
    )
    totals: dict[str, int] = {}
    for organisation_id, amount in rows:
        totals[organisation_id] = totals.get(organisation_id, 0) + int(amount)
    return totals


async def awarded_in_programme(
    conn: AsyncConnection, programme_id: str, organisation_ids: list[str]
) -> frozenset[str]:
    """Of `organisation_ids`, those leading a selected or contracted application."""
    rows = await conn.execute(
        select(applications.c.lead_organisation_id).where(
            applications.c.programme_id == programme_id,
            applications.c.status.in_(("selected", "contracted")),
            applications.c.lead_organisation_id.in_(organisation_ids),
        )
    )
    return frozenset(rows.scalars())


# --- reads --------------------------------------------------------------------------


async def organisation_body(conn: AsyncConnection, organisation_id: str) -> tuple[Any, int]:
    row = (
        await conn.execute(
            select(organisations.c.body, organisations.c.version).where(
                organisations.c.id == organisation_id
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"no organisation {organisation_id}")
    return row.body, row.version


async def organisations_of(
    conn: AsyncConnection, sub: str, *, after: str | None, limit: int
) -> list[Any]:
    """The organisations `sub` is a member of, in id order."""
    query = (
        select(organisations.c.body)
        .join(members, members.c.organisation_id == organisations.c.id)
        .where(members.c.sub == sub)
        .order_by(organisations.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(organisations.c.id > after)
    return list((await conn.execute(query)).scalars())


async def application_row(conn: AsyncConnection, application_id: str) -> Any:
    row = (
        await conn.execute(select(applications).where(applications.c.id == application_id))
    ).first()
    if row is None:
        raise NotFound(f"no application {application_id}")
    return row


async def list_applications(
    conn: AsyncConnection,
    *,
    after: str | None,
    limit: int,
    organisation_ids: set[str] | None,
    call_id: str | None,
    statuses: list[str] | None,
) -> list[Any]:
    """`organisation_ids` None: every application; else those of these organisations."""
    query = select(applications.c.body).order_by(applications.c.id).limit(limit)
    if organisation_ids is not None:
        query = query.where(applications.c.organisation_ids.overlap(sorted(organisation_ids)))
    if after is not None:
        query = query.where(applications.c.id > after)
    if call_id is not None:
        query = query.where(applications.c.call_id == call_id)
    if statuses:
        query = query.where(applications.c.status.in_(statuses))
    return list((await conn.execute(query)).scalars())
