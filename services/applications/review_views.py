"""What the evaluation keeps and shows: evaluators, assignments (each seat of each
application's panel), and how far each ranked call has come (tables in
services/applications/tables.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.assignment import EvaluatorSlot
from services.applications.domain import Application
from services.applications.organisations import Evaluator
from services.applications.tables import assignments, call_stages, evaluators
from shared.errors import NotFound, RuleViolation


class EvaluatorView(BaseModel):
    id: str
    sub: str
    name: str
    conflicts: list[str]
    nationality: str | None = None
    version: int


class AssignmentView(BaseModel):
    id: str
    application_id: str
    call_id: str
    evaluator_id: str
    cause: str
    state: str
    total: float | None


async def save_evaluator(conn: AsyncConnection, e: Evaluator) -> EvaluatorView:
    view = EvaluatorView(
        id=e.id,
        sub=e.sub,
        name=e.name,
        conflicts=list(e.conflicts),
        nationality=e.nationality,
        version=e.version,
    )
    values = {
        "sub": e.sub,
        "conflicts": list(e.conflicts),
        "version": e.version,
        "body": view.model_dump(mode="json"),
    }
    try:
        async with conn.begin_nested():
            await conn.execute(
                pg_insert(evaluators)
                .values(id=e.id, **values)
                .on_conflict_do_update(index_elements=[evaluators.c.id], set_=values)
            )
    except IntegrityError:
        pass
    else:
        return view
    # Outside the failed savepoint: say which evaluator holds the sub, so a
    # client can declare conflicts on it instead.
    raise RuleViolation(
        "an evaluator with this sub is registered",
        code="evaluator_exists",
        evaluator_id=await evaluator_id_of(conn, e.sub),
    )


async def evaluator_id_of(conn: AsyncConnection, sub: str) -> str | None:
    found: str | None = await conn.scalar(select(evaluators.c.id).where(evaluators.c.sub == sub))
    return found


async def slots(conn: AsyncConnection, only: tuple[str, ...] | None = None) -> list[EvaluatorSlot]:
    """Every evaluator (or those `only` names: a call's panel) with their
    conflicts, nationality and load (assignments not declined)."""
    load = (
        select(assignments.c.evaluator_id, func.count().label("n"))
        .where(assignments.c.state != "declined")
        .group_by(assignments.c.evaluator_id)
        .subquery()
    )
    query = select(
        evaluators.c.id,
        evaluators.c.conflicts,
        evaluators.c.body["nationality"].astext.label("nationality"),
        load.c.n,
    ).outerjoin(load, load.c.evaluator_id == evaluators.c.id)
    if only is not None:
        query = query.where(evaluators.c.id.in_(only))
    rows = await conn.execute(query)
    return [
        EvaluatorSlot(row.id, frozenset(row.conflicts), row.n or 0, row.nationality) for row in rows
    ]


async def save_panel(conn: AsyncConnection, a: Application) -> list[AssignmentView]:
    views = [
        AssignmentView(
            id=s.assignment_id,
            application_id=a.id,
            call_id=a.call_id,
            evaluator_id=s.evaluator_id,
            cause=s.cause,
            state=s.state,
            total=s.total,
        )
        for s in a.panel.seats.values()
    ]
    for view in views:
        values = {
            "application_id": a.id,
            "call_id": a.call_id,
            "evaluator_id": view.evaluator_id,
            "state": view.state,
            "body": view.model_dump(mode="json"),
        }
        await conn.execute(
            pg_insert(assignments)
            .values(id=view.id, **values)
            .on_conflict_do_update(index_elements=[assignments.c.id], set_=values)
        )
    return views


async def application_of_assignment(conn: AsyncConnection, assignment_id: str) -> str:
    found: str | None = await conn.scalar(
        select(assignments.c.application_id).where(assignments.c.id == assignment_id)
    )
    if found is None:
        raise NotFound(f"no assignment {assignment_id}")
    return found


async def assignments_of(
    conn: AsyncConnection, evaluator_id: str, *, after: str | None, limit: int
) -> list[Any]:
    query = (
        select(assignments.c.body, assignments.c.state, assignments.c.application_id)
        .where(assignments.c.evaluator_id == evaluator_id)
        .order_by(assignments.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(assignments.c.id > after)
    return list(await conn.execute(query))


async def stage_of(conn: AsyncConnection, call_id: str) -> tuple[str, int]:
    """How far the call's evaluation has come ("open" before any assignment) and
    the version of that; callers hold the call replica's row lock."""
    row = (await conn.execute(select(call_stages).where(call_stages.c.call_id == call_id))).first()
    return (row.stage, row.version) if row else ("open", 0)


async def set_stage(conn: AsyncConnection, call_id: str, stage: str, version: int) -> None:
    await conn.execute(
        pg_insert(call_stages)
        .values(call_id=call_id, stage=stage, version=version)
        .on_conflict_do_update(
            index_elements=[call_stages.c.call_id], set_={"stage": stage, "version": version}
        )
    )


async def may_read(conn: AsyncConnection, application_id: str, sub: str) -> bool:
    """Whether `sub` is an evaluator who accepted an assignment to the application."""
    found = await conn.scalar(
        select(assignments.c.id)
        .join(evaluators, evaluators.c.id == assignments.c.evaluator_id)
        .where(
            assignments.c.application_id == application_id,
            evaluators.c.sub == sub,
            assignments.c.state.in_(("accepted", "evaluated")),
        )
        .limit(1)
    )
    return found is not None
