"""Export routes: the 360Giving data package and the CSV of grants."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.reporting import store
from services.reporting.exports import csv_rows, data_package
from services.reporting.figures import Scope
from shared.app import Chassis
from shared.auth import ManagerOrAuditor
from shared.errors import NotFound
from shared.http import ChassisDep

router = APIRouter(prefix="/v1/exports", tags=["exports"])


class NoGrants(NotFound):
    code = "no_grants"


async def _scope(chassis: Chassis, programme_id: UUID | None) -> Scope:
    async with chassis.engine.connect() as conn:
        generation = await store.active_generation(conn)
        records = await store.records_in(
            conn, generation, programme_id=str(programme_id) if programme_id else None
        )
    return Scope.of(records)


@router.get("/360giving")
async def three_sixty_giving(
    _: ManagerOrAuditor, chassis: ChassisDep, programme_id: UUID | None = None
) -> dict[str, Any]:
    """A 360Giving data package of the programme's grants (every programme's without
    `programme_id`), valid against the official 360Giving package schema 1.4."""
    scope = await _scope(chassis, programme_id)
    if not scope.grants:
        # The standard's package holds at least one grant: an empty one would not validate.
        raise NoGrants("no grant to export yet")
    programme = scope.programmes.get(str(programme_id)) if programme_id else None
    publisher = programme.name if programme else "Cascade"
    return data_package(scope, chassis.clock.now(), publisher)


@router.get("/grants.csv", response_class=StreamingResponse)
async def grants_csv(
    _: ManagerOrAuditor, chassis: ChassisDep, programme_id: UUID | None = None
) -> StreamingResponse:
    """One row per grant, with a header row; amounts in integer cents."""
    scope = await _scope(chassis, programme_id)
    return StreamingResponse(
        csv_rows(scope),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="grants.csv"'},
    )
