"""Prometheus metrics of one service, in a registry of its own (so several apps
can live in one test process): request latency, relay backlog and lag, consumer
lag, handled events and dead letters."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector


@runtime_checkable
class Publishing(Protocol):
    """What the relay shows: how far behind publishing is."""

    topic: str
    published_total: int

    async def backlog(self) -> tuple[int, float]: ...


@runtime_checkable
class Consuming(Protocol):
    """What a consumer shows: how far behind handling is."""

    @property
    def consumer(self) -> str: ...

    handled_total: int
    dead_lettered_total: int

    async def lag(self) -> dict[str, int]: ...
    async def unresolved_dead_letters(self) -> int: ...


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.components: Sequence[Any] = ()
        self.requests = Histogram(
            "cascade_http_request_seconds",
            "HTTP request latency",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.relay_backlog = Gauge(
            "cascade_relay_backlog_events",
            "Committed events not yet published",
            ["service", "topic"],
            registry=self.registry,
        )
        self.relay_lag = Gauge(
            "cascade_relay_lag_seconds",
            "Age of the oldest committed event not yet published",
            ["service", "topic"],
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "cascade_consumer_lag_messages",
            "Messages on a partition not yet fetched",
            ["service", "consumer", "topic", "partition"],
            registry=self.registry,
        )
        self.unresolved_dead_letters = Gauge(
            "cascade_dead_letters_unresolved",
            "Dead letters whose event the consumer has not handled since: other services "
            "count what this one lacks until they are replayed",
            ["service", "consumer"],
            registry=self.registry,
        )
        self.registry.register(_ComponentCounters(self))

    async def refresh(self) -> None:
        """Read the gauges that need a query, just before a scrape."""
        self.consumer_lag.clear()
        for component in self.components:
            if isinstance(component, Publishing):
                count, age = await component.backlog()
                self.relay_backlog.labels(self.service, component.topic).set(count)
                self.relay_lag.labels(self.service, component.topic).set(age)
            if isinstance(component, Consuming):
                self.unresolved_dead_letters.labels(self.service, component.consumer).set(
                    await component.unresolved_dead_letters()
                )
                for place, lag in (await component.lag()).items():
                    topic, _, partition = place.rpartition(":")
                    self.consumer_lag.labels(
                        self.service, component.consumer, topic, partition
                    ).set(lag)

    async def render(self) -> Response:
        await self.refresh()
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _ComponentCounters(Collector):
    """Counters the relay and consumers keep themselves, read at scrape time."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        published = CounterMetricFamily(
            "cascade_relay_published",
            "Events published (acknowledged)",
            labels=["service", "topic"],
        )
        handled = CounterMetricFamily(
            "cascade_consumer_handled",
            "Events handled by a consumer",
            labels=["service", "consumer"],
        )
        dead = CounterMetricFamily(
            "cascade_dead_letters",
            "Messages sent to a dead-letter topic",
            labels=["service", "consumer"],
        )
        service = self.metrics.service
        for component in self.metrics.components:
            if isinstance(component, Publishing):
                published.add_metric([service, component.topic], component.published_total)
            if isinstance(component, Consuming):
                handled.add_metric([service, component.consumer], component.handled_total)
                dead.add_metric([service, component.consumer], component.dead_lettered_total)
        yield from (published, handled, dead)


def install(app: FastAPI, metrics: ServiceMetrics) -> None:
    @app.middleware("http")
    async def _time_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        # The route template, not the path: ids would explode the label set.
        template = getattr(route, "path", "unmatched")
        metrics.requests.labels(
            metrics.service, request.method, template, str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return await metrics.render()
