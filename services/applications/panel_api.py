"""The call's evaluation panel over HTTP: the programme manager appoints it,
staff read it; assignment (review_handlers) draws from it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import replica
from services.applications.call_panels import CallPanel
from services.applications.commands import AppointPanel
from services.applications.tables import evaluators
from shared.app import Chassis
from shared.auth import ManagerOrAuditor, ProgrammeManager
from shared.commands import CommandDep, CommandResult, UnitOfWork
from shared.errors import NotFound
from shared.http import ChassisDep, resource

router = APIRouter(prefix="/v1", tags=["evaluation"])


class PanelView(BaseModel):
    call_id: str
    evaluator_ids: list[str]
    min_distinct_nationalities: int


def panel_view(panel: CallPanel) -> PanelView:
    return PanelView(
        call_id=panel.call_id,
        evaluator_ids=list(panel.evaluator_ids),
        min_distinct_nationalities=panel.min_distinct_nationalities,
    )


async def panel_of(conn: AsyncConnection, chassis: Chassis, call_id: str) -> CallPanel | None:
    """The call's appointed panel; None when none was (assignment then draws
    from every registered evaluator, as before panels existed)."""
    return await chassis.repository.find(conn, CallPanel, CallPanel.stream_of(call_id))


async def nationalities(conn: AsyncConnection, ids: tuple[str, ...]) -> dict[str, str | None]:
    rows = await conn.execute(
        select(evaluators.c.id, evaluators.c.body["nationality"].astext).where(
            evaluators.c.id.in_(ids)
        )
    )
    return {row[0]: row[1] for row in rows}


async def appoint(uow: UnitOfWork, call_id: UUID, cmd: AppointPanel) -> CommandResult:
    call = await replica.find(uow.conn, str(call_id), lock=True)
    stream = CallPanel.stream_of(call.id)
    panel = await uow.chassis.repository.find(uow.conn, CallPanel, stream) or CallPanel(stream)
    if not panel.is_new:
        uow.expect(panel)
    ids = tuple(dict.fromkeys(str(i) for i in cmd.evaluator_ids))
    panel.appoint(
        ids,
        await nationalities(uow.conn, ids),
        cmd.min_distinct_nationalities,
        call.terms.evaluators_per_application,
        uow.chassis.clock.now(),
    )
    await uow.save(panel)
    return uow.result(panel, panel_view(panel))


@router.post(
    "/calls/{call_id}/panel",
    response_model=PanelView,
    responses={
        422: {"description": "`unknown_evaluator`, `nationality_constraint` (the field named)"}
    },
)
async def appoint_panel(
    call_id: UUID, body: AppointPanel, _: ProgrammeManager, command: CommandDep
) -> Response:
    """Appoint the call's panel (again, to change it): assignment draws only from it."""
    return await command.execute(lambda uow: appoint(uow, call_id, body))


@router.get("/calls/{call_id}/panel", response_model=PanelView)
async def get_panel(call_id: UUID, _: ManagerOrAuditor, chassis: ChassisDep) -> Any:
    async with chassis.engine.connect() as conn:
        panel = await panel_of(conn, chassis, str(call_id))
    if panel is None:
        raise NotFound(f"call {call_id} has no panel appointed")
    return resource(panel_view(panel).model_dump(), panel.version)
