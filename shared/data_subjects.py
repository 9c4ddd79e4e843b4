"""The data subjects' rights on every service: erasure (Art. 17 GDPR) by destroying
the subject's keys, and access (Art. 15) to every personal field held about them.

An erasure asked of one service is recorded there as `<service>.DataSubjectErased`
(the subject's id and when: no data); the other services consume it and destroy
their own keys of the subject too, so one request reaches all (docs/PERSONAL_DATA.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.auth import Admin, AuditorOrAdmin
from shared.chassis import Chassis
from shared.consumer import Handlers
from shared.driver import driver_connection
from shared.erasure_events import DataSubjectErasedBase, erasure_type
from shared.events import Envelope, registry
from shared.eventstore import CommandContext
from shared.keystore import SubjectKeyStore
from shared.personal import ERASED, PREFIX, key_id_of, unseal

Subject = Annotated[str, Path(min_length=1, max_length=256, description="The person's id (`sub`)")]
STREAM_TYPE = "data_subject"


def keys_of(chassis: Chassis) -> SubjectKeyStore:
    assert chassis.store.keys is not None, "a service's store always has its key store"
    return chassis.store.keys


async def erase_here(conn: AsyncConnection, chassis: Chassis, subject: str) -> list[str]:
    """Destroy this service's keys of `subject`; then drop the aggregate snapshots (they
    hold opened state) and make again the query rows of each stream that held their
    personal fields (the service's `reproject`). Returns the ids of the keys destroyed."""
    keys = keys_of(chassis)
    streams = await _streams_sealed_with(conn, await keys.key_ids_of(conn, subject))
    destroyed = await keys.erase(conn, subject)
    if destroyed:
        # Snapshots are only a shortcut: all go, and streams load from their events.
        await conn.execute(text("DELETE FROM snapshots"))
        if chassis.reproject is not None:
            for stream_type, stream_id in streams:
                await chassis.reproject(conn, chassis, stream_type, stream_id)
    return destroyed


def _sealed_with(key_ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """The event types that have personal fields, and the patterns of the keys' seals."""
    types = [t for t, cls in registry.types().items() if cls.personal_fields]
    return types, [f"%{PREFIX}{k}:%" for k in key_ids]


STREAMS = """
    SELECT DISTINCT stream_type, stream_id
    FROM events WHERE type = ANY($1::text[]) AND payload::text LIKE ANY($2::text[])"""


async def _streams_sealed_with(conn: AsyncConnection, key_ids: Sequence[str]) -> list[Any]:
    if not key_ids:
        return []
    async with driver_connection(conn, STREAMS) as driver:
        rows = await driver.fetch(STREAMS, *_sealed_with(key_ids))
    return sorted((row["stream_type"], row["stream_id"]) for row in rows)


def honour_erasures(sources: Sequence[str], handlers: Handlers, chassis: Chassis) -> None:
    """Add to a consumer the handlers destroying keys on the sources' erasures."""

    async def on_erased(
        conn: AsyncConnection, envelope: Envelope, e: DataSubjectErasedBase
    ) -> None:
        await erase_here(conn, chassis, e.subject)

    for source in sources:
        if erasure_type(source) in registry and handlers.get(erasure_type(source)) is None:
            handlers.on(erasure_type(source))(on_erased)


class ErasureView(BaseModel):
    subject: str
    service: str
    outcome: Literal["erased", "nothing_to_erase"]
    keys_destroyed: int
    detail: str


router = APIRouter(tags=["data subjects"])


@router.post(
    "/v1/data-subjects/{subject}/erasure",
    status_code=202,
    response_model=ErasureView,
    summary="Erase a data subject's personal fields (admin)",
)
async def erase(request: Request, subject: Subject, admin: Admin) -> ErasureView:
    """Destroys the subject's keys here; the other services do the same when they
    read the `DataSubjectErased` this records. Erasing an unknown subject, or one
    already erased, changes nothing and says so (202 either way)."""
    chassis: Chassis = request.app.state.chassis
    # Each service's erasures of a subject are a stream of its own: stream ids are
    # unique across the services (reporting keys its records by them).
    stream_id = f"data-subject:{chassis.service}:{subject}"
    owns = erasure_type(chassis.service) in registry
    async with chassis.engine.begin() as conn:
        destroyed = await erase_here(conn, chassis, subject)
        head = await chassis.store.head(conn, stream_id) if owns else None
        # The first request is always recorded, so that services holding keys this
        # one never had erase too; a repeat only when it destroyed something.
        if owns and (destroyed or head is None):
            erased = registry.class_of(erasure_type(chassis.service))
            assert issubclass(erased, DataSubjectErasedBase)
            await chassis.store.append(
                conn,
                stream_type=STREAM_TYPE,
                stream_id=stream_id,
                expected_version=head.version if head else 0,
                expected_hash=head.hash if head else None,
                new_events=[erased(subject=subject, erased_at=chassis.clock.now())],
                context=CommandContext(admin.actor),
            )
    if destroyed:
        detail = f"{len(destroyed)} key(s) destroyed; the other services follow"
    elif owns:
        detail = f"nothing to erase: {chassis.service} holds no key of this subject"
    else:
        detail = (
            f"nothing to erase: {chassis.service} keeps no keys (it opens its copies with "
            "the sources' keys); ask a service that records events, all then follow"
        )
    return ErasureView(
        subject=subject,
        service=chassis.service,
        outcome="erased" if destroyed else "nothing_to_erase",
        keys_destroyed=len(destroyed),
        detail=detail,
    )


HELD = """
    SELECT id, type, stream_id, version, recorded_at, payload
    FROM events WHERE type = ANY($1::text[]) AND payload::text LIKE ANY($2::text[])
    ORDER BY position"""


@router.get(
    "/v1/data-subjects/{subject}",
    summary="Every personal field held about a data subject (admin)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "A JSON download"}},
)
async def access(request: Request, subject: Subject, _: Admin) -> Response:
    """This service's events holding personal fields of the subject, each field
    opened, as a JSON file to hand to them: `{subject, service, events: [{id, type,
    stream_id, version, recorded_at, fields: {name: value}}]}`."""
    chassis: Chassis = request.app.state.chassis
    keys = keys_of(chassis)
    async with chassis.engine.connect() as conn:
        key_ids = await keys.key_ids_of(conn, subject)
        opened = await keys.lookup(conn, key_ids)
        found: list[dict[str, Any]] = []
        if key_ids:
            async with driver_connection(conn, HELD) as driver:
                rows = await driver.fetch(HELD, *_sealed_with(key_ids))
            found = [held for row in rows if (held := _held(row, opened))]
    document = {"subject": subject, "service": chassis.service, "events": found}
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{chassis.service}-personal-data.json"'
        },
    )


def _held(row: Any, keys: dict[str, bytes]) -> dict[str, Any] | None:
    payload = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
    fields = {}
    for name in registry.class_of(row["type"]).personal_fields:
        key = keys.get(key_id_of(payload.get(name)) or "")
        if key is not None:
            try:
                fields[name] = unseal(key, row["type"], name, payload[name])
            except ValueError:  # altered in the table: the chain check names it
                fields[name] = ERASED
    if not fields:
        return None
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "stream_id": row["stream_id"],
        "version": row["version"],
        "recorded_at": row["recorded_at"].isoformat(),
        "fields": fields,
    }


class KeyLookup(BaseModel):
    key_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(max_length=1000)


class WrappedKey(BaseModel):
    master_key_id: str
    wrapped_key: str  # base64


class WrappedKeys(BaseModel):
    """The keys still held, wrapped as stored; an id not here is erased (or unknown)."""

    keys: dict[str, WrappedKey]


@router.post(
    "/v1/data-subjects/keys",
    response_model=WrappedKeys,
    summary="The subject keys of sealed fields, wrapped by the master key (auditor, admin)",
)
async def wrapped_keys(request: Request, lookup: KeyLookup, _: AuditorOrAdmin) -> WrappedKeys:
    """How reporting opens the sealed fields of its audit copy: it asks the service
    that sealed them for the keys, each still wrapped by the deployment's master key
    (useless without it), and keeps none. A key destroyed by an erasure is absent."""
    chassis: Chassis = request.app.state.chassis
    async with chassis.engine.connect() as conn:
        held = await keys_of(chassis).wrapped(conn, set(lookup.key_ids))
    return WrappedKeys(
        keys={
            key_id: WrappedKey(master_key_id=master, wrapped_key=base64.b64encode(raw).decode())
            for key_id, (master, raw) in held.items()
        }
    )
