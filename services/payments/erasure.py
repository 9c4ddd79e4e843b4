"""After a data subject's erasure: the views of each grant that held their personal
fields (report summaries, reasons) made again from its events, which now read as erased."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from services.payments import views
from services.payments.grant import Grant
from shared.chassis import Chassis


async def reproject(
    conn: AsyncConnection, chassis: Chassis, stream_type: str, stream_id: str
) -> None:
    if stream_type == Grant.stream_type:
        await views.save_grant(conn, await chassis.repository.get(conn, Grant, stream_id))
