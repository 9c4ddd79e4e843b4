"""What redress keeps and shows: each review request with its state (table
`review_requests`), and the subjects of an application's evaluators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.events import ReviewState
from services.applications.redress import ReviewAlreadyRequested, ReviewRequest
from services.applications.tables import evaluators, review_requests
from shared.auth import Principal
from shared.errors import NotFound


class ReviewRequestView(BaseModel):
    id: str
    application_id: str
    call_id: str
    state: ReviewState
    contested_outcome: str
    contested_reserve_rank: int | None
    contested_ranking_version: int
    grounds: str
    requested_at: datetime
    decision: str | None = None
    reasons: str | None = None
    decided_at: datetime | None = None
    re_evaluators: int = 0
    outcome_changed: bool | None = None
    status_after: str | None = None
    reserve_rank_after: int | None = None
    ranking_version: int | None = None
    version: int


def review_view(r: ReviewRequest) -> ReviewRequestView:
    asked, decided, done = r.requested, r.decided, r.completed
    assert asked is not None
    return ReviewRequestView(
        id=r.id,
        application_id=r.application_id,
        call_id=r.call_id,
        state=r.state,
        contested_outcome=asked.outcome,
        contested_reserve_rank=asked.reserve_rank,
        contested_ranking_version=asked.ranking_version,
        grounds=asked.grounds,
        requested_at=asked.requested_at,
        decision=decided.outcome if decided else None,
        reasons=decided.reasons if decided else None,
        decided_at=decided.decided_at if decided else None,
        re_evaluators=decided.re_evaluators if decided else 0,
        outcome_changed=done.outcome_changed if done else None,
        status_after=done.status if done else None,
        reserve_rank_after=done.reserve_rank if done else None,
        ranking_version=done.ranking_version if done else None,
        version=r.version,
    )


async def save(conn: AsyncConnection, r: ReviewRequest) -> ReviewRequestView:
    view = review_view(r)
    values = {
        "application_id": r.application_id,
        "call_id": r.call_id,
        "status": r.state,
        "version": r.version,
        "body": view.model_dump(mode="json"),
    }
    try:
        async with conn.begin_nested():
            await conn.execute(
                pg_insert(review_requests)
                .values(id=r.id, **values)
                .on_conflict_do_update(index_elements=[review_requests.c.id], set_=values)
            )
    except IntegrityError:
        # Another request for the application committed first.
        raise ReviewAlreadyRequested("a review of this application was already requested") from None
    return view


async def of_application(conn: AsyncConnection, application_id: str) -> Any:
    return (
        await conn.execute(
            select(review_requests).where(review_requests.c.application_id == application_id)
        )
    ).first()


async def row(conn: AsyncConnection, review_request_id: str) -> Any:
    found = (
        await conn.execute(select(review_requests).where(review_requests.c.id == review_request_id))
    ).first()
    if found is None:
        raise NotFound(f"no review request {review_request_id}")
    return found


async def listed(
    conn: AsyncConnection, *, status: str | None, call_id: str | None, after: str | None, limit: int
) -> list[dict[str, Any]]:
    query = select(review_requests.c.body).order_by(review_requests.c.id).limit(limit)
    if status is not None:
        query = query.where(review_requests.c.status == status)
    if call_id is not None:
        query = query.where(review_requests.c.call_id == call_id)
    if after is not None:
        query = query.where(review_requests.c.id > after)
    return [r.body for r in await conn.execute(query)]


async def subs_of(conn: AsyncConnection, evaluator_ids: frozenset[str]) -> frozenset[str]:
    rows = await conn.execute(select(evaluators.c.sub).where(evaluators.c.id.in_(evaluator_ids)))
    return frozenset(rows.scalars())


async def reviewer_may_read(conn: AsyncConnection, application_id: str, user: Principal) -> bool:
    """A reviewer reads an application whose review was requested."""
    return user.has_any_role(frozenset({"reviewer"})) and (
        await of_application(conn, application_id) is not None
    )
