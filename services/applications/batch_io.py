"""The writes of a batch of submissions in few round trips: every Idempotency-Key
claimed in one statement, every stored answer and every view written in one
pipelined statement each (asyncpg's executemany)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Response
from sqlalchemy import and_, bindparam, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.applications import tables, views
from services.applications.domain import Application
from shared.errors import CascadeError, IdempotencyKeyReused
from shared.idempotency import KEPT_HEADERS, REPLAYED_HEADER, IdempotentRequest
from shared.tables import idempotency_keys as keys

FOLLOWER = "follower"  # the same key earlier in the batch: its answer is this one's
Claimed = Response | CascadeError | str | None  # stored answer, refusal, FOLLOWER, or ours


async def claim(conn: AsyncConnection, requests: Sequence[IdempotentRequest]) -> list[Claimed]:
    """Take each request's key (None), or find the answer it already has. The
    same key twice in `requests` (a retry racing its first try): the later waits
    for the first's answer, given by the caller (an IdempotencyKeyReused when its
    request differs)."""
    if not requests:
        return []
    first = {(r.principal, r.key): r for r in reversed(requests)}
    taken = {
        tuple(row)
        for row in await conn.execute(
            pg_insert(keys)
            .values(
                [
                    {
                        "principal": r.principal,
                        "key": r.key,
                        "method": r.method,
                        "path": r.path,
                        "request_hash": r.request_hash,
                        "status": 0,
                        "headers": {},
                        "body": b"",
                    }
                    for r in first.values()
                ]
            )
            .on_conflict_do_nothing()
            .returning(keys.c.principal, keys.c.key)
        )
    }
    others = [k for k in first if k not in taken]
    stored = {}
    if others:
        rows = await conn.execute(
            select(
                keys.c.principal,
                keys.c.key,
                keys.c.request_hash,
                keys.c.status,
                keys.c.headers,
                keys.c.body,
            ).where(tuple_(keys.c.principal, keys.c.key).in_(others))
        )
        stored = {(row.principal, row.key): row for row in rows}
    claimed: list[Claimed] = []
    for r in requests:
        k = (r.principal, r.key)
        row = stored.get(k)
        if first[k] is not r:
            claimed.append(_reused() if first[k].request_hash != r.request_hash else FOLLOWER)
        elif row is None:
            claimed.append(None)
        elif row.request_hash != r.request_hash:
            claimed.append(_reused())
        else:
            claimed.append(
                Response(row.body, row.status, headers={**row.headers, REPLAYED_HEADER: "true"})
            )
    return claimed


def _reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused(
        "this Idempotency-Key was used for another request",
        errors=[
            {
                "field": "header.Idempotency-Key",
                "message": "already used with another method, path or body",
                "type": "idempotency_key_reused",
            }
        ],
    )


async def remember(
    conn: AsyncConnection, answers: Sequence[tuple[IdempotentRequest, Response]]
) -> None:
    """Store each answer on its claimed key."""
    if not answers:
        return
    await conn.execute(
        update(keys)
        .where(and_(keys.c.principal == bindparam("p"), keys.c.key == bindparam("k")))
        .values(status=bindparam("s"), headers=bindparam("h"), body=bindparam("b")),
        [
            {
                "p": r.principal,
                "k": r.key,
                "s": response.status_code,
                "h": {n: response.headers[n] for n in KEPT_HEADERS if n in response.headers},
                "b": bytes(response.body),
            }
            for r, response in answers
        ],
    )


async def release(conn: AsyncConnection, requests: Sequence[IdempotentRequest]) -> None:
    """Give back the keys of refused requests: a refusal is not replayed."""
    if requests:
        await conn.execute(
            keys.delete().where(
                or_(*(and_(keys.c.principal == r.principal, keys.c.key == r.key) for r in requests))
            )
        )


async def save_views(
    conn: AsyncConnection, applications: Sequence[Application]
) -> list[views.ApplicationView]:
    """The query rows of the batch's applications."""
    bodies = [views.application_view(a) for a in applications]
    if not applications:
        return bodies
    table = tables.applications
    statement = pg_insert(table)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={c.name: statement.excluded[c.name] for c in table.columns if c.name != "id"},
        ),
        [
            {
                "id": a.id,
                "call_id": a.call_id,
                "programme_id": a.programme_id,
                "lead_organisation_id": a.lead_organisation_id,
                "organisation_ids": [a.lead_organisation_id, *a.partner_organisation_ids],
                "status": a.status,
                "receipt": a.receipt,
                "version": a.version,
                "body": view.model_dump(mode="json"),
            }
            for a, view in zip(applications, bodies, strict=True)
        ],
    )
    return bodies
