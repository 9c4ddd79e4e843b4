"""Opening and closing calls by themselves at `opens_at` and `closes_at`.

Every instance of the service runs a scheduler. Each finds the calls that are
due and advances them in a transaction of their own; when two instances race
for one call, the call stream's optimistic concurrency lets one append win and
the other's VersionConflict means "already done". On start it catches up on
everything that fell due while no instance ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from services.calls.domain import Call
from services.calls.handlers import save_system_change
from services.calls.tables import calls
from shared.app import Chassis
from shared.errors import InfrastructureUnavailable, VersionConflict
from shared.eventstore import CommandContext

log = logging.getLogger("cascade.calls.scheduler")
OUTAGES = (SQLAlchemyError, OSError, InfrastructureUnavailable)


class CallScheduler:
    """Wakes at the next instant a call is due (at least every `max_sleep_s`, so
    calls published by other instances and a moved clock are noticed)."""

    def __init__(self, chassis: Chassis, *, max_sleep_s: float = 1.0) -> None:
        self._chassis = chassis
        self._max_sleep_s = max_sleep_s
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.advanced_total = 0  # calls this instance opened or closed

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="calls scheduler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                next_due = await self.tick()
            except OUTAGES as exc:
                log.warning("scheduler cannot reach its database: %r", exc)
                next_due = None
            sleep = self._max_sleep_s
            if next_due is not None:
                until = (next_due - self._chassis.clock.now()).total_seconds()
                sleep = min(sleep, max(until, 0.0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), sleep)

    async def tick(self) -> datetime | None:
        """Advance every call now due; the next instant one will be."""
        now = self._chassis.clock.now()
        due_to_open = (calls.c.status == "published") & (calls.c.opens_at <= now)
        due_to_close = (calls.c.status == "open") & (calls.c.closes_at <= now)
        async with self._chassis.engine.connect() as conn:
            due = (
                (
                    await conn.execute(
                        select(calls.c.id)
                        .where(or_(due_to_open, due_to_close))
                        .order_by(calls.c.id)
                    )
                )
                .scalars()
                .all()
            )
        for call_id in due:
            await self._advance(call_id, now)
        next_instant = func.least(
            select(func.min(calls.c.opens_at))
            .where(calls.c.status == "published")
            .scalar_subquery(),
            select(func.min(calls.c.closes_at)).where(calls.c.status == "open").scalar_subquery(),
        )
        async with self._chassis.engine.connect() as conn:
            found: datetime | None = await conn.scalar(select(next_instant))
            return found

    async def _advance(self, call_id: str, now: datetime) -> None:
        chassis = self._chassis
        try:
            async with chassis.engine.begin() as conn:
                call = await chassis.repository.get(conn, Call, call_id)
                call.advance(now)
                changed = bool(call.pending)
                await save_system_change(conn, chassis.repository, call, CommandContext())
        except VersionConflict:
            log.info("call %s was advanced by another instance", call_id)
            return
        if changed:
            self.advanced_total += 1
            log.info("call %s is now %s", call_id, call.status)
