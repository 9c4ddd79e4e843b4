"""After a data subject's erasure: the query rows of each stream that held their
personal fields made again from its events, which now read as erased."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import review_views, views
from services.applications.domain import Application
from services.applications.organisations import Evaluator
from shared.chassis import Chassis


async def reproject(
    conn: AsyncConnection, chassis: Chassis, stream_type: str, stream_id: str
) -> None:
    if stream_type == Application.stream_type:
        application = await chassis.repository.get(conn, Application, stream_id)
        await views.save_application(conn, application)
        await review_views.save_panel(conn, application)
    elif stream_type == Evaluator.stream_type:
        await review_views.save_evaluator(
            conn, await chassis.repository.get(conn, Evaluator, stream_id)
        )
