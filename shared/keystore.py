"""The data subjects' keys of one service, in its own database, each wrapped by a
master key (shared/kms.py): made on a subject's first personal field, looked up
to open sealed fields, destroyed on erasure."""

from __future__ import annotations

import secrets
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.driver import driver_connection
from shared.kms import KeyWrapper, MasterKeyRing
from shared.personal import SubjectKey, new_key
from shared.settings import Settings

FIND_BY_SUBJECT = """
    SELECT subject, key_id, master_key_id, wrapped_key
    FROM subject_keys WHERE subject = ANY($1::text[])"""
# A racer making the same subject's key wins; the loser reads the winner's key.
CREATE = """
    INSERT INTO subject_keys (subject, key_id, master_key_id, wrapped_key)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])
    ON CONFLICT (subject) DO NOTHING"""
FIND_BY_KEY_ID = """
    SELECT key_id, master_key_id, wrapped_key
    FROM subject_keys WHERE key_id = ANY($1::text[])"""
STALE = """
    SELECT key_id, master_key_id, wrapped_key FROM subject_keys
    WHERE master_key_id <> $1 ORDER BY key_id LIMIT $2 FOR UPDATE"""
REWRAP = """
    UPDATE subject_keys SET master_key_id = k.master_key_id, wrapped_key = k.wrapped_key
    FROM unnest($1::text[], $2::text[], $3::bytea[]) AS k(key_id, master_key_id, wrapped_key)
    WHERE subject_keys.key_id = k.key_id"""
ERASE = "DELETE FROM subject_keys WHERE subject = $1 RETURNING key_id"
KEY_IDS = "SELECT key_id FROM subject_keys WHERE subject = $1"

# Unwrapped keys kept in memory, by key id: only ever used after the database has
# said the key still exists, so an erasure made by another process is honoured.
CACHE_LIMIT = 10_000


class SubjectKeyStore:
    """Keys by subject, in the caller's transaction."""

    def __init__(self, wrapper: KeyWrapper) -> None:
        self._wrapper = wrapper
        self._unwrapped: dict[str, bytes] = {}

    def _unwrap(self, key_id: str, master_key_id: str, wrapped: bytes) -> bytes:
        key = self._unwrapped.get(key_id)
        if key is None:
            if len(self._unwrapped) >= CACHE_LIMIT:
                self._unwrapped.clear()
            key = self._unwrapped[key_id] = self._wrapper.unwrap(master_key_id, wrapped)
        return key

    async def keys_for(
        self, conn: AsyncConnection, subjects: Collection[str]
    ) -> dict[str, SubjectKey]:
        """Each subject's key, made for those who have none yet."""
        found = await self._find(conn, subjects)
        missing = [s for s in subjects if s not in found]
        if missing:
            made = [(s, secrets.token_hex(8), *self._wrapper.wrap(new_key())) for s in missing]
            async with driver_connection(conn, CREATE) as driver:
                await driver.execute(CREATE, *(list(column) for column in zip(*made, strict=True)))
            found.update(await self._find(conn, missing))
        return found

    async def _find(
        self, conn: AsyncConnection, subjects: Collection[str]
    ) -> dict[str, SubjectKey]:
        async with driver_connection(conn, FIND_BY_SUBJECT) as driver:
            rows = await driver.fetch(FIND_BY_SUBJECT, list(subjects))
        return {
            row["subject"]: SubjectKey(
                row["key_id"],
                self._unwrap(row["key_id"], row["master_key_id"], row["wrapped_key"]),
            )
            for row in rows
        }

    async def lookup(self, conn: AsyncConnection, key_ids: Collection[str]) -> dict[str, bytes]:
        """The keys that still exist among `key_ids`."""
        if not key_ids:
            return {}
        async with driver_connection(conn, FIND_BY_KEY_ID) as driver:
            rows = await driver.fetch(FIND_BY_KEY_ID, list(key_ids))
        return {
            row["key_id"]: self._unwrap(row["key_id"], row["master_key_id"], row["wrapped_key"])
            for row in rows
        }

    async def wrapped(
        self, conn: AsyncConnection, key_ids: Collection[str]
    ) -> dict[str, tuple[str, bytes]]:
        """The keys that still exist among `key_ids`, as stored: (master key id, wrapped)."""
        if not key_ids:
            return {}
        async with driver_connection(conn, FIND_BY_KEY_ID) as driver:
            rows = await driver.fetch(FIND_BY_KEY_ID, list(key_ids))
        return {row["key_id"]: (row["master_key_id"], row["wrapped_key"]) for row in rows}

    def unwrap(self, key_id: str, master_key_id: str, wrapped: bytes) -> bytes:
        """A key another service's store gave wrapped (the master keys are the deployment's)."""
        return self._unwrap(key_id, master_key_id, wrapped)

    async def key_ids_of(self, conn: AsyncConnection, subject: str) -> list[str]:
        async with driver_connection(conn, KEY_IDS) as driver:
            return [row["key_id"] for row in await driver.fetch(KEY_IDS, subject)]

    async def rewrap(self, conn: AsyncConnection, current_id: str, batch: int = 1000) -> int:
        """Wrap up to `batch` keys wrapped by another master key than `current_id` with
        the current one (after a rotation, so the retired key can go); how many."""
        async with driver_connection(conn, STALE) as driver:
            rows = await driver.fetch(STALE, current_id, batch)
            rewrapped = [
                (
                    row["key_id"],
                    *self._wrapper.wrap(
                        self._wrapper.unwrap(row["master_key_id"], row["wrapped_key"])
                    ),
                )
                for row in rows
            ]
            if rewrapped:
                await driver.execute(REWRAP, *(list(c) for c in zip(*rewrapped, strict=True)))
        return len(rewrapped)

    async def erase(self, conn: AsyncConnection, subject: str) -> list[str]:
        """Destroy the subject's keys; the ids of those destroyed (none: nothing held)."""
        async with driver_connection(conn, ERASE) as driver:
            erased = [row["key_id"] for row in await driver.fetch(ERASE, subject)]
        for key_id in erased:
            self._unwrapped.pop(key_id, None)
        return erased


def subject_keys(settings: Settings) -> SubjectKeyStore:
    """The key store of a service, its keys wrapped by the settings' master keys."""
    ring = MasterKeyRing(settings.master_key.get_secret_value(), settings.retired_master_key_list)
    return SubjectKeyStore(ring)
