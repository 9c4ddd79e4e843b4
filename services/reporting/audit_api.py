"""Audit routes: an aggregate's events, a grant's story, the integrity check, and
the watermarks a client waits on."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.reporting import audit, store
from services.reporting.feeds import FeedClients, http_clients
from services.reporting.personal import open_items
from services.reporting.sources import SOURCES
from services.reporting.verify import verify_sources
from shared.auth import Auditor, AuditorOrAdmin, CurrentUser
from shared.errors import InvalidInput, NotFound
from shared.http import ChassisDep
from shared.pagination import Page, PageQuery


def router(feeds: FeedClients | None = None) -> APIRouter:
    """The audit routes; `feeds` reach the source services (by default over HTTP
    at their configured URLs)."""
    routes = APIRouter(prefix="/v1", tags=["audit"])

    @routes.get("/audit/streams/{stream_id}", response_model=Page[dict[str, Any]])
    async def stream(
        stream_id: str, _: Auditor, chassis: ChassisDep, page: PageQuery
    ) -> Page[dict[str, Any]]:
        """Every event of one aggregate, from whichever service, in version order."""
        after = page.after(tuple[int])
        async with chassis.engine.connect() as conn:
            rows = await audit.stream_events(conn, stream_id, after[0] if after else 0, page.fetch)
        if not rows and after is None:
            raise NotFound(f"the audit copy holds no event of stream {stream_id}")
        found = page.page(rows, key=lambda row: (row["version"],))
        found.items = await open_items(
            chassis, feeds or http_clients(chassis.settings), found.items
        )
        return found

    @routes.get("/audit/trail/applications/{application_id}", response_model=Page[dict[str, Any]])
    async def trail(application_id: UUID, _: Auditor, chassis: ChassisDep) -> Page[dict[str, Any]]:
        """The whole story of one application and its grant across services, in the
        order it was recorded: application, evaluation, selection, agreement,
        grant, payments, recoveries."""
        async with chassis.engine.connect() as conn:
            rows = await audit.application_trail(conn, str(application_id))
        if not rows:
            raise NotFound(f"the audit copy holds no event of application {application_id}")
        opened = await open_items(chassis, feeds or http_clients(chassis.settings), rows)
        return Page(items=opened, next_cursor=None)

    @routes.get("/audit/verify")
    async def verify(
        _: Auditor,
        chassis: ChassisDep,
        service: Annotated[
            list[str] | None,
            Query(description=f"Repeatable; by default every source: {', '.join(SOURCES)}"),
        ] = None,
    ) -> dict[str, Any]:
        """Each service's chain, and the audit copy against each service's feed:
        every difference named (service, stream, version, event)."""
        unknown = sorted(set(service or ()) - set(SOURCES))
        if unknown:
            raise InvalidInput(
                f"unknown service(s): {', '.join(unknown)}",
                errors=[
                    {
                        "field": "query.service",
                        "message": f"one of {', '.join(SOURCES)}",
                        "type": "enum",
                    }
                ],
            )
        clients = feeds or http_clients(chassis.settings)
        async with chassis.engine.connect() as conn:
            return await verify_sources(conn, chassis.settings, clients, service or list(SOURCES))

    @routes.get("/projections")
    async def projections(
        _: AuditorOrAdmin,
        chassis: ChassisDep,
        checksum: Annotated[
            bool,
            Query(
                description="Also compute the canonical checksum of the active generation now "
                "(reads every record)"
            ),
        ] = False,
    ) -> dict[str, Any]:
        """The projection's generations: which one reports read, how each was built,
        and the checksum a rebuild recorded, to compare with the live one."""
        async with chassis.engine.connect() as conn:
            answer = await audit.generations(conn)
            if checksum:
                active = await store.active_generation(conn)
                answer["active_checksum"] = await store.checksum(conn, active)
        return answer

    @routes.get("/watermarks")
    async def watermarks(
        _: CurrentUser,
        chassis: ChassisDep,
        event_id: Annotated[
            list[UUID] | None,
            Query(
                max_length=100,
                description="Repeatable: the `event_ids` a command answered; `applied` says "
                "whether reporting has applied them all.",
            ),
        ] = None,
    ) -> dict[str, Any]:
        """How far each source has been applied: events, newest instant, and the next
        offset of each partition."""
        async with chassis.engine.connect() as conn:
            return await audit.watermarks(conn, event_id or [])

    return routes
