"""`GET /v1/events`: the auditors' feed of a service's events, in commit-safe order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field

from shared.auth import AuditorOrAdmin
from shared.chassis import Chassis
from shared.events import Envelope
from shared.feed import START, FeedCursor, read_committed
from shared.pagination import (
    DEFAULT_LIMIT,
    MAX_CURSOR_LENGTH,
    Limit,
    Page,
    decode_cursor,
    encode_cursor,
)

# A feed position: (writing transaction, position), both within PostgreSQL's bigint/xid8.
_Part = Annotated[int, Field(ge=0, le=2**63 - 1)]

DESCRIPTION = """The service's events, envelopes as published (with `position`,
`hash` and `prev_hash`; personal fields sealed unless `opened`), in commit-safe
order: an event that commits late is never skipped, so the order may differ from
`position` order.

Positions are opaque: pass the `next_cursor` of the previous page as `after`,
never a `position`. `next_cursor` is where to continue; at the end of the feed
`items` is empty and `next_cursor` repeats `after`, so polling with it later
returns the events recorded since."""

router = APIRouter(tags=["events"])


@router.get(
    "/v1/events",
    response_model=Page[Envelope],
    description=DESCRIPTION,
    summary="The event feed (auditor, admin)",
)
async def event_feed(
    request: Request,
    _: AuditorOrAdmin,
    after: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="Opaque: the `next_cursor` of the previous page; omit to start.",
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    opened: Annotated[
        bool,
        Query(
            description="Personal fields opened with the service's keys (`[erased]` where "
            "a key is destroyed) instead of sealed as stored; opened envelopes no longer "
            "match their `hash`, so an integrity check reads the feed sealed.",
        ),
    ] = False,
) -> Page[Envelope]:
    start = START
    if after is not None:
        tx_id, position = decode_cursor(after, tuple[_Part, _Part], field="query.after")
        start = FeedCursor(tx_id, position)
    chassis: Chassis = request.app.state.chassis
    async with chassis.engine.connect() as conn:
        items = await read_committed(conn, start, limit)
        envelopes = [item.envelope for item in items]
        if opened:
            envelopes = await chassis.store.reveal(conn, envelopes)
    last = items[-1].cursor if items else start
    next_cursor = None if last == START else encode_cursor((last.tx_id, last.position))
    return Page(items=envelopes, next_cursor=next_cursor)
