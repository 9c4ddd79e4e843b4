"""Idempotency keys: a command's response is stored in the transaction of its
events, and a retry with the same key gets that response back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from fastapi import Response
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.errors import IdempotencyKeyReused
from shared.tables import idempotency_keys

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
REPLAYED_HEADER = "Idempotent-Replayed"
# What a replay must repeat besides status and body.
KEPT_HEADERS = ("content-type", "etag", "location")


def canonical_body(body: bytes) -> bytes:
    """JSON with sorted keys and no spacing, so a retry that serialises the same
    body differently is still the same request; other bodies as they are."""
    try:
        return json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        return body


@dataclass(frozen=True)
class IdempotentRequest:
    """A command request under an Idempotency-Key, scoped to its caller."""

    principal: str
    key: str
    method: str
    path: str
    request_hash: str

    @classmethod
    def of(
        cls, principal: str, key: str, method: str, path: str, query: str, body: bytes
    ) -> IdempotentRequest:
        digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
        digest.update(canonical_body(body))
        return cls(principal, key, method, path, digest.hexdigest())

    async def claim(self, conn: AsyncConnection) -> Response | None:
        """Take the key for this request (None), or the response it already has.

        The key row is inserted before the command runs, so a concurrent request
        with the same key blocks on the primary key until this transaction ends:
        it then finds the stored response (commit) or takes the key itself
        (rollback: the command changed nothing, so running it again is safe).
        """
        taken = (
            await conn.execute(
                pg_insert(idempotency_keys)
                .values(
                    principal=self.principal,
                    key=self.key,
                    method=self.method,
                    path=self.path,
                    request_hash=self.request_hash,
                    status=0,
                    headers={},
                    body=b"",
                )
                .on_conflict_do_nothing()
                .returning(idempotency_keys.c.key)
            )
        ).first()
        if taken is not None:
            return None
        stored = (
            await conn.execute(
                select(
                    idempotency_keys.c.request_hash,
                    idempotency_keys.c.status,
                    idempotency_keys.c.headers,
                    idempotency_keys.c.body,
                ).where(
                    idempotency_keys.c.principal == self.principal,
                    idempotency_keys.c.key == self.key,
                )
            )
        ).one()
        if stored.request_hash != self.request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for another request",
                errors=[
                    {
                        "field": "header.Idempotency-Key",
                        "message": "already used with another method, path or body",
                        "type": "idempotency_key_reused",
                    }
                ],
            )
        return Response(
            stored.body, stored.status, headers={**stored.headers, REPLAYED_HEADER: "true"}
        )

    async def remember(self, conn: AsyncConnection, response: Response) -> None:
        """Store the response on the claimed key, in the command's transaction."""
        headers = {
            name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
        }
        await conn.execute(
            update(idempotency_keys)
            .where(
                idempotency_keys.c.principal == self.principal, idempotency_keys.c.key == self.key
            )
            .values(status=response.status_code, headers=headers, body=bytes(response.body))
        )
