"""Loading, recording and reading the versions of a call's ranking
(`rankings.CallRanking`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications.events import RankingEntry
from services.applications.rankings import CallRanking
from shared.app import Chassis
from shared.commands import UnitOfWork
from shared.errors import NotFound


def entries(items: Sequence[Mapping[str, Any]]) -> list[RankingEntry]:
    """A version's entries from the ranking's items (award_handlers.ranking_items)."""
    return [
        RankingEntry(
            application_id=i["application_id"],
            rank=i["rank"],
            score=i["score"],
            status=i["status"],
            reserve_rank=i["reserve_rank"],
        )
        for i in items
    ]


async def load(conn: AsyncConnection, chassis: Chassis, call_id: str) -> CallRanking:
    stream = CallRanking.stream_of(call_id)
    return await chassis.repository.find(conn, CallRanking, stream) or CallRanking(stream)


async def record_selection(
    uow: UnitOfWork, call_id: str, items: Sequence[Mapping[str, Any]], committed_cents: int
) -> None:
    ranking = await load(uow.conn, uow.chassis, call_id)
    ranking.complete_selection(entries(items), committed_cents, uow.chassis.clock.now())
    await uow.save(ranking)


async def version_body(
    conn: AsyncConnection, chassis: Chassis, call_id: str, version: int
) -> dict[str, Any]:
    """One recorded version of the ranking, as it was recorded (404 if none)."""
    ranking = await load(conn, chassis, call_id)
    found = ranking.versions.get(version)
    if found is None:
        raise NotFound(
            f"the ranking of call {call_id} has no version {version} "
            f"(its versions: 1 to {ranking.current})",
            versions=ranking.current,
        )
    return {
        "call_id": call_id,
        "version": found.version,
        "versions": ranking.current,
        "cause": found.cause,
        "review_request_id": found.review_request_id,
        "recorded_at": found.recorded_at.isoformat(),
        "items": [e.model_dump(mode="json") for e in found.entries],
    }
