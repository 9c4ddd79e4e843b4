"""What the API shows of programmes and calls: written to their query tables
(services/calls/tables.py) in each command's transaction, read by lists and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.calls.domain import Call, Programme
from services.calls.errors import CodeTaken
from services.calls.events import (
    ApplicationForm,
    CallStatus,
    Criterion,
    DeclarationCode,
    DeMinimis,
    FundingSource,
    Instalment,
    Objective,
    RequiredAnnex,
)
from services.calls.tables import calls, programmes
from shared.errors import NotFound


class CallBudget(BaseModel):
    call_id: str
    budget_cents: int


class ProgrammeView(BaseModel):
    id: str
    code: str
    name: str
    currency: str
    budget_cents: int
    carved_cents: int
    remaining_cents: int
    objectives: list[Objective]
    per_beneficiary_cap_cents: int | None
    de_minimis: DeMinimis
    call_budgets: list[CallBudget]
    created_at: datetime | None
    version: int


class CallView(BaseModel):
    id: str
    programme_id: str
    code: str
    title: str
    kind: str
    selection_mode: str
    status: CallStatus
    currency: str
    budget_cents: int
    committed_cents: int
    available_cents: int
    max_grant_cents: int
    min_grant_cents: int
    planned_awards: int | None
    opens_at: datetime
    closes_at: datetime
    objectives: list[Objective]
    rules_version: int
    eligibility: list[dict[str, Any]]  # each rule's parameters and its `description`
    criteria: list[Criterion]
    pass_threshold: float
    evaluators_per_application: int
    instalments: list[Instalment]
    counts_as_de_minimis: bool  # derived from funding_sources when they are given
    funding_sources: list[FundingSource]
    state_resources_percent: int  # the share of each award counted as de minimis aid
    first_come_reserve_limit: int | None = None
    form: ApplicationForm | None = None
    required_annexes: list[RequiredAnnex] = []
    required_declarations: list[DeclarationCode] = []
    # A cut asked for and not yet confirmed by payments (`amend-budget` answered 202).
    pending_budget_cents: int | None = None
    drafted_at: datetime | None
    published_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    closed_cause: str | None
    cancelled_at: datetime | None
    review_request_days: int = 30
    selection_recorded_at: datetime | None = None
    results_published_at: datetime | None = None
    review_requests_until: datetime | None = None
    version: int


def programme_view(programme: Programme) -> ProgrammeView:
    return ProgrammeView(
        id=programme.id,
        code=programme.code,
        name=programme.name,
        currency=programme.currency,
        budget_cents=programme.budget_cents,
        carved_cents=programme.carved_cents,
        remaining_cents=programme.remaining_cents,
        objectives=list(programme.objectives),
        per_beneficiary_cap_cents=programme.per_beneficiary_cap_cents,
        de_minimis=programme.de_minimis,
        created_at=programme.created_at,
        call_budgets=[
            CallBudget(call_id=c, budget_cents=b) for c, b in programme.shares.items() if b
        ],
        version=programme.version,
    )


def call_view(call: Call) -> CallView:
    terms = call.t
    rules = [
        {**rule.model_dump(mode="json"), "description": rule.describe()}
        for rule in terms.eligibility
    ]
    return CallView.model_validate(
        {
            **terms.model_dump(exclude={"eligibility"}),
            "eligibility": rules,
            "id": call.id,
            "programme_id": call.programme_id,
            "status": call.status,
            "currency": call.currency,
            "committed_cents": call.committed_cents,
            "available_cents": terms.budget_cents - call.committed_cents,
            "state_resources_percent": terms.state_resources_percent,
            "rules_version": call.rules_version,
            "drafted_at": call.drafted_at,
            "published_at": call.published_at,
            "opened_at": call.opened_at,
            "closed_at": call.closed_at,
            "closed_cause": call.closed_cause,
            "cancelled_at": call.cancelled_at,
            "version": call.version,
            "pending_budget_cents": call.pending_cut.budget_cents if call.pending_cut else None,
            **results_fields(call),
        }
    )


def results_fields(call: Call) -> dict[str, Any]:
    """When the call's selection was heard of and its results published."""
    return {
        "selection_recorded_at": call.selection.recorded_at if call.selection else None,
        "results_published_at": call.results.published_at if call.results else None,
        "review_requests_until": call.results.review_requests_until if call.results else None,
    }


async def save_programme(conn: AsyncConnection, programme: Programme) -> ProgrammeView:
    view = programme_view(programme)
    values = {
        "code": programme.code,
        "version": programme.version,
        "body": view.model_dump(mode="json"),
    }
    await _upsert(
        conn, programmes, programme.id, values, f"a programme with code {programme.code!r} exists"
    )
    return view


async def save_call(conn: AsyncConnection, call: Call) -> CallView:
    view = call_view(call)
    values = {
        "programme_id": call.programme_id,
        "code": view.code,
        "status": view.status,
        "kind": view.kind,
        "opens_at": view.opens_at,
        "closes_at": view.closes_at,
        "version": call.version,
        "body": view.model_dump(mode="json"),
    }
    await _upsert(conn, calls, call.id, values, f"the programme has a call with code {view.code!r}")
    return view


async def _upsert(
    conn: AsyncConnection, table: Table, id_: str, values: dict[str, Any], taken: str
) -> None:
    statement = (
        pg_insert(table)
        .values(id=id_, **values)
        .on_conflict_do_update(index_elements=[table.c.id], set_=values)
    )
    try:
        # A savepoint: a code taken by a concurrent command fails this statement
        # alone, and becomes a clear refusal instead of a broken transaction.
        async with conn.begin_nested():
            await conn.execute(statement)
    except IntegrityError:
        raise CodeTaken(taken) from None


async def lock_programme(conn: AsyncConnection, programme_id: str) -> None:
    """Wait for other commands carving this programme's budget (404 if none).

    Concurrent carve-outs would otherwise all read the same remaining budget and
    all but one fail on the programme stream's version; queueing here lets each
    decide on the budget the one before it left."""
    found = (
        await conn.execute(
            select(programmes.c.id).where(programmes.c.id == programme_id).with_for_update()
        )
    ).first()
    if found is None:
        raise NotFound(f"no programme {programme_id}")


async def programme_code_taken(conn: AsyncConnection, code: str) -> bool:
    return bool(await conn.scalar(select(exists().where(programmes.c.code == code))))


# --- reads --------------------------------------------------------------------------


async def programme_body(conn: AsyncConnection, programme_id: str) -> tuple[dict[str, Any], int]:
    row = (
        await conn.execute(
            select(programmes.c.body, programmes.c.version).where(programmes.c.id == programme_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no programme {programme_id}")
    return row.body, row.version


async def list_programmes(conn: AsyncConnection, after: str | None, limit: int) -> list[Any]:
    query = select(programmes.c.body).order_by(programmes.c.id).limit(limit)
    if after is not None:
        query = query.where(programmes.c.id > after)
    return list((await conn.execute(query)).scalars())


async def without_drafts(
    conn: AsyncConnection, bodies: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Programmes as those who may not see drafts see them: no draft call's id or
    budget, in its share or in the carved and remaining totals it would reveal."""
    ids = {share["call_id"] for body in bodies for share in body["call_budgets"]}
    if not ids:
        return bodies
    drafts = set(
        (
            await conn.execute(
                select(calls.c.id).where(calls.c.id.in_(ids), calls.c.status == "draft")
            )
        ).scalars()
    )
    return [_hiding(body, drafts) for body in bodies]


def _hiding(body: dict[str, Any], drafts: set[str]) -> dict[str, Any]:
    hidden = sum(s["budget_cents"] for s in body["call_budgets"] if s["call_id"] in drafts)
    if not hidden:
        return body
    return {
        **body,
        "carved_cents": body["carved_cents"] - hidden,
        "remaining_cents": body["remaining_cents"] + hidden,
        "call_budgets": [s for s in body["call_budgets"] if s["call_id"] not in drafts],
    }


async def call_body(
    conn: AsyncConnection, call_id: str, *, drafts: bool
) -> tuple[dict[str, Any], int]:
    """A call as the API shows it; a draft only to those who may see drafts."""
    row = (
        await conn.execute(
            select(calls.c.body, calls.c.version, calls.c.status).where(calls.c.id == call_id)
        )
    ).first()
    if row is None or (row.status == "draft" and not drafts):
        raise NotFound(f"no call {call_id}")
    return row.body, row.version


async def list_calls(
    conn: AsyncConnection,
    *,
    drafts: bool,
    after: str | None,
    limit: int,
    programme_id: str | None = None,
    statuses: list[str] | None = None,
    kind: str | None = None,
) -> list[Any]:
    query = select(calls.c.body).order_by(calls.c.id).limit(limit)
    if not drafts:
        query = query.where(calls.c.status != "draft")
    if after is not None:
        query = query.where(calls.c.id > after)
    if programme_id is not None:
        query = query.where(calls.c.programme_id == programme_id)
    if statuses:
        query = query.where(calls.c.status.in_(statuses))
    if kind is not None:
        query = query.where(calls.c.kind == kind)
    return list((await conn.execute(query)).scalars())
