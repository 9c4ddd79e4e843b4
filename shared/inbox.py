"""Handling one message once: decoding it, and running its handler in the
transaction that records "event X done by consumer Y" in the inbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.backoff import Backoff
from shared.errors import InfrastructureUnavailable, VersionConflict
from shared.events import Envelope, Event, EventRegistry, UnknownEventType
from shared.tables import inbox

logger = logging.getLogger("cascade.consumer")
tracer = trace.get_tracer("cascade.consumer")

E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncConnection, Envelope, E], Awaitable[None]]
BatchHandler = Callable[[AsyncConnection, Sequence["Message"]], Awaitable[None]]


class Handlers:
    """The handlers of one consumer, one per event type it reacts to.

    A consumer may also give one handler for a whole batch of messages (of the
    types it handles, in partition order): it then runs instead of the
    per-message handlers whenever a batch is handled in one transaction, and
    must have the same effect as running them one after the other."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler[Any]] = {}
        self.batch: BatchHandler | None = None

    def in_batches(self, handler: BatchHandler) -> BatchHandler:
        self.batch = handler
        return handler

    def on(self, event_type: str) -> Callable[[Handler[E]], Handler[E]]:
        def register(handler: Handler[E]) -> Handler[E]:
            if event_type in self._handlers:
                raise ValueError(f"{event_type} already has a handler")
            self._handlers[event_type] = handler
            return handler

        return register

    def get(self, event_type: str) -> Handler[Any] | None:
        return self._handlers.get(event_type)

    def types(self) -> frozenset[str]:
        return frozenset(self._handlers)


class PoisonMessage(Exception):
    """A message no retry can fix: it is dead-lettered at once."""


class MalformedJson(PoisonMessage):
    pass


class InvalidEnvelope(PoisonMessage):
    pass


class InvalidPayload(PoisonMessage):
    pass


def parse_envelope(value: bytes | None) -> Envelope:
    if not value:
        raise MalformedJson("the message has no value")
    try:
        return Envelope.model_validate_json(value)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise MalformedJson(f"not valid JSON: {exc.errors()[0]['msg']}") from None
        raise InvalidEnvelope(f"not an event envelope: {_summary(exc)}") from None


def decode_event(registry: EventRegistry, envelope: Envelope) -> Event:
    """The payload as its current event class (upcast if old). Raises UnknownEventType,
    FutureSchemaVersion, or InvalidPayload when it does not fit its class."""
    try:
        return registry.decode(envelope)
    except ValidationError as exc:
        raise InvalidPayload(f"{envelope.type} payload is invalid: {_summary(exc)}") from None
    except ValueError as exc:  # a missing upcaster
        raise InvalidPayload(str(exc)) from None


def decode_message(
    record: Any, consumer: str, registry: EventRegistry, handlers: Handlers
) -> tuple[Message, Handler[Any]] | None:
    """The Kafka record as a message and its handler; None for a known type the
    consumer ignores. Raises what `parse_envelope` and `decode_event` raise."""
    envelope = parse_envelope(record.value)
    if envelope.type not in registry:
        raise UnknownEventType(envelope.type)
    handler = handlers.get(envelope.type)
    if handler is None:
        return None
    message = Message(
        consumer,
        record.topic,
        record.partition,
        record.offset,
        tuple(record.headers),
        envelope,
        decode_event(registry, envelope),
    )
    return message, handler


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()[:5]
    )


@dataclass(frozen=True)
class Message:
    """A decoded event and where it was read from."""

    consumer: str
    topic: str
    partition: int
    offset: int
    headers: Sequence[tuple[str, bytes]]
    envelope: Envelope
    event: Event


class HandlerFailed(Exception):
    """The handler raised `cause`; its transaction rolled back."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


async def claim(conn: AsyncConnection, message: Message) -> bool:
    """Record that the consumer handles this event; False if it already had (a redelivery).

    Two members racing for one event (during a rebalance) serialise on the primary
    key: the second waits for the first transaction, then inserts nothing."""
    return bool(await claim_all(conn, [message]))


async def claim_all(conn: AsyncConnection, messages: Sequence[Message]) -> list[Message]:
    """`claim` for many messages in one statement: those not handled before, in
    order, each event once (the first of its copies in `messages`)."""
    firsts = list({message.envelope.id: message for message in reversed(messages)}.values())
    firsts.reverse()
    if not firsts:
        return []
    result = await conn.execute(
        pg_insert(inbox)
        .values(
            [
                {
                    "consumer": m.consumer,
                    "event_id": m.envelope.id,
                    "topic": m.topic,
                    "partition": m.partition,
                    "offset": m.offset,
                }
                for m in firsts
            ]
        )
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    claimed = set(result.scalars())
    return [message for message in firsts if message.envelope.id in claimed]


async def handle_batch(
    engine: AsyncEngine,
    messages: Sequence[tuple[Message, Handler[Any]]],
    handlers: Handlers,
) -> int:
    """Handle `messages` (of one partition, in order) in one transaction with their
    inbox rows: the batch handler if there is one, else each message's handler in
    turn; how many took effect (the others were handled before).

    Raises HandlerFailed when a handler fails (the whole batch rolled back: the
    caller handles its messages one at a time to find the failing one); anything
    else it raises means the database could not be used."""
    async with engine.begin() as conn:
        fresh = await claim_all(conn, [message for message, _ in messages])
        if handlers.batch is not None:
            await _call_batch(handlers.batch, conn, fresh)
        else:
            handler_of = {id(message): handler for message, handler in messages}
            for message in fresh:
                with consume_span(message):
                    await _call(handler_of[id(message)], conn, message)
    if fresh:
        first = fresh[0]
        logger.info(
            "%s handled %d event(s) of %s[%d] from offset %d in one transaction",
            first.consumer,
            len(fresh),
            first.topic,
            first.partition,
            first.offset,
            extra={"consumer": first.consumer, "count": len(fresh)},
        )
    return len(fresh)


async def handle_once(engine: AsyncEngine, message: Message, handler: Handler[Any]) -> bool:
    """Run `handler` and record the inbox row in one transaction; False when the
    event had already been handled, so a redelivery has no second effect.

    Raises HandlerFailed when the handler fails; anything else it raises means the
    database could not be used, and says nothing about the message."""
    async with engine.begin() as conn:
        if not await claim(conn, message):
            return False
        with consume_span(message) as span:
            trace_id = trace_id_of(span)
            await _call(handler, conn, message)
    logger.info(
        "%s handled %s %s",
        message.consumer,
        message.envelope.type,
        message.envelope.id,
        extra={
            "event_type": message.envelope.type,
            "event_id": str(message.envelope.id),
            "consumer": message.consumer,
            "trace_id": trace_id,
        },
    )
    return True


class StillContended(InfrastructureUnavailable):
    """The handler met a version conflict on every attempt: the stream it writes is
    too busy for now. The message waits (its partition stalls), never dead-lettered."""


# A conflict means "reload and decide again": retried at once, and soon, apart
# from the retries of a failing handler; jittered so racers do not meet again.
CONFLICT_BACKOFF = Backoff(first_s=0.005, cap_s=0.5, jitter=True)


async def handle_with_retries(
    engine: AsyncEngine,
    message: Message,
    handler: Handler[Any],
    *,
    retries: int,
    backoff: Backoff,
    conflict_attempts: int = 50,
    on_conflict: Callable[[], None] | None = None,
) -> bool:
    """`handle_once`, tried again up to `retries` times after a handler failure,
    waiting as `backoff` says; the last HandlerFailed propagates.

    A version conflict is no failure of the message: the handler runs again on
    reloaded state, up to `conflict_attempts` times without counting against
    `retries`, then StillContended says the message must wait."""
    failures = conflicts = 0
    while True:
        try:
            return await handle_once(engine, message, handler)
        except HandlerFailed as failed:
            if isinstance(failed.cause, VersionConflict):
                conflicts += 1
                if on_conflict is not None:
                    on_conflict()
                if conflicts >= conflict_attempts:
                    raise StillContended(
                        f"{message.envelope.type} {message.envelope.id} met a version "
                        f"conflict {conflicts} times: {failed.cause}"
                    ) from None
                await asyncio.sleep(CONFLICT_BACKOFF.delay(conflicts - 1))
                continue
            if failures >= retries:
                raise
            await asyncio.sleep(backoff.delay(failures))
            failures += 1


async def _call(handler: Handler[Any], conn: AsyncConnection, message: Message) -> None:
    try:
        await handler(conn, message.envelope, message.event)
    except Exception as exc:  # the consumer loop's one catch-all: handlers are anyone's code
        if lost_connection(exc):
            raise InfrastructureUnavailable(f"database connection lost: {exc}") from exc
        if isinstance(exc, VersionConflict):  # ordinary under load: decided again at once
            logger.info(
                "%s meets a version conflict on %s %s: %s",
                message.consumer,
                message.envelope.type,
                message.envelope.id,
                exc,
                extra={
                    "event_type": message.envelope.type,
                    "consumer": message.consumer,
                    "event_id": str(message.envelope.id),
                },
            )
            raise HandlerFailed(exc) from exc
        logger.warning(
            "%s failed on %s %s",
            message.consumer,
            message.envelope.type,
            message.envelope.id,
            exc_info=exc,
            extra={
                "event_type": message.envelope.type,
                "consumer": message.consumer,
                "event_id": str(message.envelope.id),
            },
        )
        raise HandlerFailed(exc) from exc


async def _call_batch(
    handler: BatchHandler, conn: AsyncConnection, messages: Sequence[Message]
) -> None:
    if not messages:
        return
    try:
        await handler(conn, messages)
    except Exception as exc:  # as in _call: the batch is retried one message at a time
        if lost_connection(exc):
            raise InfrastructureUnavailable(f"database connection lost: {exc}") from exc
        logger.info(
            "%s: a batch of %d failed (%s: %s); handling it one message at a time",
            messages[0].consumer,
            len(messages),
            type(exc).__name__,
            exc,
            extra={"consumer": messages[0].consumer},
        )
        raise HandlerFailed(exc) from exc


def lost_connection(exc: BaseException) -> bool:
    """Whether a handler's error is the database going away rather than its own
    fault: such a message must wait for the database, not be dead-lettered."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, (OSError, InfrastructureUnavailable))


@contextmanager
def consume_span(message: Message) -> Iterator[Span | None]:
    """A CONSUMER span continuing the producer's trace, so that events the
    handler appends carry the same trace; no span when the message has none."""
    carrier = {name: value.decode("latin-1") for name, value in message.headers}
    if "traceparent" not in carrier:
        yield None
        return
    with tracer.start_as_current_span(
        f"consume {message.envelope.type}",
        context=propagate.extract(carrier),
        kind=SpanKind.CONSUMER,
    ) as span:
        yield span


def trace_id_of(span: Span | None) -> str | None:
    if span is None or not span.get_span_context().is_valid:
        return None
    return format(span.get_span_context().trace_id, "032x")
