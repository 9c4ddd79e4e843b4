"""Consumers: a service's event handlers, run over Kafka with an inbox, retries and dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.backoff import Backoff
from shared.bus import bootstrap, create_missing, event_topic_spec
from shared.clock import Clock, SystemClock
from shared.deadletter import DeadLetterWriter, unresolved_count
from shared.errors import InfrastructureUnavailable
from shared.events import EventRegistry, FutureSchemaVersion, UnknownEventType
from shared.events import registry as default_registry
from shared.inbox import (
    Handler,
    HandlerFailed,
    Handlers,
    Message,
    PoisonMessage,
    decode_message,
    handle_batch,
    handle_with_retries,
)
from shared.settings import Settings

__all__ = ["ConsumerRunner", "Handlers", "PoisonMessage"]

logger = logging.getLogger("cascade.consumer")

# Failures that say nothing about the message: it must wait, never be skipped.
INFRASTRUCTURE_ERRORS = (SQLAlchemyError, OSError, KafkaError, InfrastructureUnavailable)
MAX_STALL_BACKOFF_S = 30.0
POISON = (PoisonMessage, UnknownEventType, FutureSchemaVersion)


class _Stalled(Exception):
    def __init__(self, offset: int, error: BaseException) -> None:
        super().__init__(offset, error)
        self.offset, self.error = offset, error


@dataclass(frozen=True)
class Stall:
    """A partition stopped at `offset` because the database or the broker failed."""

    partition: TopicPartition
    offset: int
    error: BaseException


class ConsumerRunner:
    """Runs `handlers` over `topics` as the consumer group of `consumer`.

    Per partition, the messages of a fetch are handled in order in one transaction
    with their inbox rows (the handlers' writes, and whatever else they record,
    commit or roll back together); when a handler fails in it, the same messages
    are handled one at a time, so that only the failing one is retried and
    dead-lettered. Kafka offsets are committed only after those transactions, so
    delivery is at least once and the effect exactly once. Partitions of one
    fetch are handled concurrently.

    aiokafka heartbeats in the background, so a long handler does not cost the
    membership; only a batch longer than `max_poll_interval_ms` does (the member
    leaves the group, and the batch would be redone elsewhere, again and again).
    Keep `max_records` times the slowest handler well below it.
    """

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        consumer: str,
        topics: list[str],
        handlers: Handlers,
        registry: EventRegistry = default_registry,
        *,
        clock: Clock | None = None,
        max_records: int | None = None,
        max_poll_interval_ms: int = 300_000,
        heartbeat_interval_ms: int | None = None,
        poll_timeout_ms: int = 500,
    ) -> None:
        self._settings, self._engine, self._name = settings, engine, consumer
        self._topics, self._handlers, self._registry = topics, handlers, registry
        self._max_records = max_records or settings.consumer_max_records
        self._poll_timeout_ms = poll_timeout_ms
        self._max_poll_interval_ms = max_poll_interval_ms
        self._heartbeat_interval_ms = (
            heartbeat_interval_ms or settings.consumer_session_timeout_ms // 3
        )
        self._kafka: AIOKafkaConsumer | None = None
        self._dead_letters = DeadLetterWriter(settings, engine, consumer, clock or SystemClock())
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # A rebalance waits for the batch in flight, then commits what it finished.
        self._batch_lock = asyncio.Lock()
        self._processed: dict[TopicPartition, int] = {}  # next offset, not yet committed
        self._revoked: frozenset[TopicPartition] = frozenset()  # until the next assignment
        self.handled_total = 0
        self.dead_lettered_total = 0
        self.redelivered_total = 0
        self.conflicts_total = 0  # version conflicts met, each handled again on reloaded state
        self._retry_backoff = Backoff.from_ms(
            settings.consumer_retry_backoff_ms, MAX_STALL_BACKOFF_S
        )
        self._quiet_backoff = Backoff.from_ms(
            settings.consumer_fetch_max_wait_ms, settings.consumer_idle_fetch_max_wait_ms / 1000
        )
        self._empty_polls = 0
        # A stalled partition waits, but never near the poll interval that costs the membership.
        self._stall_schedule = Backoff.from_ms(
            settings.consumer_retry_backoff_ms,
            min(MAX_STALL_BACKOFF_S, max_poll_interval_ms / 4000),
        )

    @property
    def consumer(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        """False before start, after stop, or once the loop died (logged as critical)."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Join the group (waits for the first assignment) and start consuming."""
        # Topics are created, never auto-created (see shared.bus): the consumer may
        # start before the relays that publish on them.
        await create_missing(
            self._settings, [event_topic_spec(self._settings, t) for t in self._topics]
        )
        await self._dead_letters.start()
        await self._warn_of_dead_letters()
        self._kafka = AIOKafkaConsumer(
            bootstrap_servers=bootstrap(self._settings),
            group_id=self._settings.topic(self._name),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=self._heartbeat_interval_ms,
            max_poll_interval_ms=self._max_poll_interval_ms,
            # As in the Java client: a member may finish its batch before it rejoins.
            rebalance_timeout_ms=self._max_poll_interval_ms,
            # How long the broker may hold a fetch with nothing new: it bounds the
            # latency of a quiet topic (a broker that does not answer a waiting
            # fetch as soon as data arrives makes every event wait this long).
            fetch_max_wait_ms=self._settings.consumer_fetch_max_wait_ms,
        )
        self._kafka.subscribe(self._topics, listener=_CommitOnRevoke(self))
        try:
            await self._kafka.start()
        except (KafkaError, OSError) as exc:
            await self._close()
            raise InfrastructureUnavailable(
                f"consumer {self._name} cannot reach Kafka: {exc}"
            ) from None
        self._task = asyncio.create_task(self._run(), name=f"consumer {self._name}")
        self._task.add_done_callback(self._report_crash)

    async def stop(self, timeout: float = 8.0) -> None:
        """Finish the batch in flight (cancel it after `timeout`), commit, leave the group."""
        self._stopping.set()
        if self._task is not None:
            _, pending = await asyncio.wait([self._task], timeout=timeout)
            for task in pending:
                task.cancel()
                await asyncio.wait([task])
        with contextlib.suppress(*INFRASTRUCTURE_ERRORS):
            await self._commit()
        await self._close()
        logger.info("consumer stopped", extra={"consumer": self._name})

    async def _close(self) -> None:
        if self._kafka is not None:
            await self._kafka.stop()
        await self._dead_letters.stop()

    async def unresolved_dead_letters(self) -> int:
        """Dead letters whose event this consumer has still not handled."""
        return await unresolved_count(self._engine, self._name)

    async def _warn_of_dead_letters(self) -> None:
        with contextlib.suppress(*INFRASTRUCTURE_ERRORS):
            if unresolved := await self.unresolved_dead_letters():
                logger.warning(
                    "consumer %s holds %d dead letter(s) it never applied, so other services "
                    "may count what this one does not: cascade dlq list --consumer %s",
                    self._name,
                    unresolved,
                    self._name,
                    extra={"consumer": self._name},
                )

    def assignment(self) -> frozenset[TopicPartition]:
        return frozenset(self._kafka.assignment()) if self._kafka is not None else frozenset()

    async def lag(self) -> dict[str, int]:
        """Messages not yet fetched per assigned partition ("topic:partition"), where known."""
        lags: dict[str, int] = {}
        for tp in self.assignment():
            assert self._kafka is not None
            if tp not in self._kafka.assignment():
                continue  # revoked while we looked at the others
            highwater = self._kafka.highwater(tp)
            if highwater is not None:
                with contextlib.suppress(IllegalStateError):
                    lags[f"{tp.topic}:{tp.partition}"] = highwater - await self._kafka.position(tp)
        return lags

    def _report_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.critical(
                "consumer %s stopped on an unexpected error",
                self._name,
                exc_info=error,
                extra={"consumer": self._name},
            )

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                healthy = await self._consume_batch()
            except KafkaError as exc:  # fetching or committing: the broker is in trouble
                logger.warning(
                    "consumer %s: Kafka failed: %r", self._name, exc, extra={"consumer": self._name}
                )
                healthy = False
            failures = 0 if healthy else failures + 1
            if failures:
                await self._pause(self._stall_backoff(failures))

    async def _consume_batch(self) -> bool:
        assert self._kafka is not None
        batch = await self._kafka.getmany(
            timeout_ms=self._poll_timeout_ms, max_records=self._max_records
        )
        self._adapt_fetch_wait(bool(batch))
        async with self._batch_lock:
            # Fetched before a revocation that ran meanwhile: its new owner has it now.
            batch = {tp: records for tp, records in batch.items() if tp not in self._revoked}
            outcomes = await asyncio.gather(
                *(self._consume_partition(tp, records) for tp, records in batch.items())
            )
            stalls = [stall for stall in outcomes if stall is not None]
            for stall in stalls:
                self._rewind(stall)
            await self._commit()
        return not stalls

    async def _consume_partition(self, tp: TopicPartition, records: list[Any]) -> Stall | None:
        """Handle the partition's records in order: each run of decodable messages in
        one transaction, falling back to one at a time when a handler fails in it;
        poison messages are dead-lettered alone, where they stand."""
        run: list[tuple[Any, Message, Handler[Any]]] = []
        try:
            for record in records:
                try:
                    found = decode_message(record, self._name, self._registry, self._handlers)
                except POISON as poison:
                    await self._handle_run(tp, run)
                    run = []
                    try:
                        await self._dead_letter(record, poison)
                    except INFRASTRUCTURE_ERRORS as exc:
                        raise _Stalled(record.offset, exc) from None
                    self._processed[tp] = record.offset + 1
                    continue
                if found is not None:
                    run.append((record, *found))
                elif not run:  # a known type this consumer does not handle
                    self._processed[tp] = record.offset + 1
            await self._handle_run(tp, run)
            if records:
                self._processed[tp] = records[-1].offset + 1
        except _Stalled as stalled:
            return Stall(tp, stalled.offset, stalled.error)
        return None

    async def _handle_run(
        self, tp: TopicPartition, run: list[tuple[Any, Message, Handler[Any]]]
    ) -> None:
        if not run:
            return
        if len(run) > 1 or self._handlers.batch is not None:
            try:
                took = await handle_batch(self._engine, [(m, h) for _, m, h in run], self._handlers)
            except HandlerFailed:
                pass  # find the failing one, below
            except INFRASTRUCTURE_ERRORS as exc:
                raise _Stalled(run[0][0].offset, exc) from None
            else:
                self.handled_total += took
                self.redelivered_total += len(run) - took
                self._processed[tp] = run[-1][0].offset + 1
                return
        for record, message, handler in run:
            try:
                await self._consume(record, message, handler)
            except INFRASTRUCTURE_ERRORS as exc:
                raise _Stalled(record.offset, exc) from None
            self._processed[tp] = record.offset + 1

    async def _consume(self, record: Any, message: Message, handler: Handler[Any]) -> None:
        """Handle one message alone, or dead-letter it after the retries."""
        try:
            took_effect = await handle_with_retries(
                self._engine,
                message,
                handler,
                retries=self._settings.consumer_max_retries,
                backoff=self._retry_backoff,
                conflict_attempts=self._settings.consumer_conflict_attempts,
                on_conflict=self._count_conflict,
            )
        except HandlerFailed as failed:
            await self._dead_letter(record, failed.cause)
            return
        if took_effect:
            self.handled_total += 1
        else:
            self.redelivered_total += 1

    async def _dead_letter(self, record: Any, failure: BaseException) -> None:
        await self._dead_letters.send(record, failure)
        self.dead_lettered_total += 1

    def _adapt_fetch_wait(self, fetched: bool) -> None:
        """A quiet topic is asked less often: each empty poll lets the broker hold
        the next fetches longer (up to `consumer_idle_fetch_max_wait_ms`); the first
        records back make them short again, so a flow keeps its latency."""
        self._empty_polls = 0 if fetched else self._empty_polls + 1
        wait_ms = (
            round(self._quiet_backoff.delay(self._empty_polls) * 1000)
            if self._empty_polls
            else self._settings.consumer_fetch_max_wait_ms
        )
        assert self._kafka is not None
        fetcher = self._kafka._fetcher  # aiokafka reads it for every fetch request it sends
        if fetcher is not None:
            fetcher._fetch_max_wait_ms = wait_ms

    def _count_conflict(self) -> None:
        self.conflicts_total += 1

    def _rewind(self, stall: Stall) -> None:
        """Read the partition again from the failed message, after a backoff."""
        assert self._kafka is not None
        logger.warning(
            "consumer %s: %s[%d] stalls at offset %d: %r",
            self._name,
            stall.partition.topic,
            stall.partition.partition,
            stall.offset,
            stall.error,
            extra={"consumer": self._name},
        )
        with contextlib.suppress(IllegalStateError):  # revoked meanwhile: the new owner resumes
            self._kafka.seek(stall.partition, stall.offset)

    async def _commit(self, partitions: frozenset[TopicPartition] | None = None) -> None:
        """Commit the finished offsets of partitions still assigned (all, or `partitions`)."""
        owned = self.assignment() if partitions is None else partitions & self.assignment()
        offsets = {tp: offset for tp, offset in self._processed.items() if tp in owned}
        for tp in set(self._processed) - self.assignment():
            del self._processed[tp]  # revoked: its new owner redelivers, the inbox absorbs it
        if not offsets:
            return
        assert self._kafka is not None
        try:
            await self._kafka.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            logger.info(
                "consumer %s: commit refused after a rebalance: %s",
                self._name,
                exc,
                extra={"consumer": self._name},
            )
        for tp, offset in offsets.items():
            if self._processed.get(tp) == offset:
                del self._processed[tp]

    async def _on_revoked(self, revoked: frozenset[TopicPartition]) -> None:
        async with self._batch_lock:
            self._revoked = revoked
            with contextlib.suppress(KafkaError):
                await self._commit(revoked)

    def _on_assigned(self) -> None:
        self._revoked = frozenset()

    def _stall_backoff(self, failures: int) -> float:
        return self._stall_schedule.delay(failures - 1)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ConsumerRunner) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._runner._on_revoked(frozenset(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._runner._on_assigned()  # positions come from the committed offsets
