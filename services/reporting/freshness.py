"""Projection freshness in `/metrics`, beside the consumer lag every consumer shows.

Per source: when reporting last applied one of its events, the newest instant
recorded among them, and how long the last one took from its service's commit
to the projection. A background refresh reads them from the watermarks, since a
Prometheus collector cannot query the database while it is scraped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shared.app import Chassis, Component

log = logging.getLogger("cascade.reporting.freshness")

QUERY = text("""
    SELECT source, max(newest_recorded_at) AS newest, max(last_applied_at) AS applied,
           (array_agg(last_delay_seconds ORDER BY last_applied_at DESC))[1] AS delay
    FROM source_watermarks GROUP BY source""")
GENERATIONS = text("""
    SELECT max(generation) FILTER (WHERE state = 'active') AS active,
           count(*) FILTER (WHERE state = 'building') AS building
    FROM projection_generations""")


class Freshness(Collector):
    def __init__(self, chassis: Chassis, interval_s: float = 1.0) -> None:
        self._chassis, self._interval = chassis, interval_s
        self._sources: dict[str, tuple[float, float, float]] = {}
        self._generation, self._building = 0, 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.refresh()
        self._chassis.metrics.registry.register(self)
        self._task = asyncio.create_task(self._loop(), name="reporting freshness")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(KeyError):
            self._chassis.metrics.registry.unregister(self)

    async def refresh(self) -> None:
        async with self._chassis.engine.connect() as conn:
            rows = (await conn.execute(QUERY)).all()
            generations = (await conn.execute(GENERATIONS)).one()
        self._sources = {
            row.source: (row.newest.timestamp(), row.applied.timestamp(), float(row.delay))
            for row in rows
        }
        self._generation, self._building = int(generations.active or 0), int(generations.building)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.refresh()
            except (SQLAlchemyError, OSError) as exc:  # keep the last figures; say why
                log.warning("freshness not refreshed: %r", exc)

    def collect(self) -> Iterator[Metric]:
        service = self._chassis.service
        labels = ["service", "source"]
        newest = GaugeMetricFamily(
            "cascade_projection_newest_event_timestamp_seconds",
            "Recorded instant of the newest event applied, per source",
            labels=labels,
        )
        applied = GaugeMetricFamily(
            "cascade_projection_last_applied_timestamp_seconds",
            "When the projection last applied an event of the source",
            labels=labels,
        )
        age = GaugeMetricFamily(
            "cascade_projection_staleness_seconds",
            "Seconds since the projection last applied an event of the source",
            labels=labels,
        )
        delay = GaugeMetricFamily(
            "cascade_projection_apply_delay_seconds",
            "From the source's commit to the projection, for its last event applied",
            labels=labels,
        )
        now = time.time()
        for source, (recorded, last, seconds) in sorted(self._sources.items()):
            newest.add_metric([service, source], recorded)
            applied.add_metric([service, source], last)
            age.add_metric([service, source], max(now - last, 0.0))
            delay.add_metric([service, source], seconds)
        generation = GaugeMetricFamily(
            "cascade_projection_generation",
            "The projection generation reports are read from",
            labels=["service"],
        )
        generation.add_metric([service], self._generation)
        building = GaugeMetricFamily(
            "cascade_projection_rebuilds_running", "Generations being rebuilt", labels=["service"]
        )
        building.add_metric([service], self._building)
        yield from (newest, applied, age, delay, generation, building)


def freshness(chassis: Chassis) -> list[Component]:
    return [Freshness(chassis)]
