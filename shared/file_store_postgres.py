"""The file store in the service's own PostgreSQL database (the default backend):
`files` names each file by its hash, `file_chunks` holds its bytes in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.files import CHUNK_BYTES, FileNotStored
from shared.tables import file_chunks, files


class _Staged:
    """One upload's chunks, written under a fresh id inside one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn, self.chunks_id = conn, uuid4()
        self.pending = bytearray()
        self.sequence = 0
        self.kept = False

    async def write(self, chunk: bytes) -> None:
        self.pending += chunk
        while len(self.pending) >= CHUNK_BYTES:
            await self._flush(bytes(self.pending[:CHUNK_BYTES]))
            del self.pending[:CHUNK_BYTES]

    async def _flush(self, data: bytes) -> None:
        await self.conn.execute(
            insert(file_chunks).values(chunks_id=self.chunks_id, sequence=self.sequence, data=data)
        )
        self.sequence += 1

    async def keep(self, sha256: str, size: int) -> bool:
        if self.pending:
            await self._flush(bytes(self.pending))
            self.pending.clear()
        # A concurrent upload of the same bytes waits here on the other's row and
        # then finds it: only one copy is ever kept.
        new = await self.conn.scalar(
            pg_insert(files)
            .values(sha256=sha256, size=size, chunks_id=self.chunks_id)
            .on_conflict_do_nothing(index_elements=[files.c.sha256])
            .returning(files.c.sha256)
        )
        self.kept = new is not None
        return self.kept


class PostgresStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def stage(self) -> AsyncIterator[_Staged]:
        # One transaction for the whole upload: rolled back, its chunks vanish.
        async with self.engine.connect() as conn:
            transaction = await conn.begin()
            staged = _Staged(conn)
            try:
                yield staged
            except BaseException:
                await transaction.rollback()
                raise
            if staged.kept:
                await transaction.commit()
            else:
                await transaction.rollback()

    async def holds(self, sha256: str) -> bool:
        async with self.engine.connect() as conn:
            return await self._chunks_id(conn, sha256) is not None

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        async with self.engine.connect() as conn:
            chunks_id = await self._chunks_id(conn, sha256)
            if chunks_id is None:
                raise FileNotStored(f"no file with SHA-256 {sha256}")
            rows = await conn.stream(
                select(file_chunks.c.data)
                .where(file_chunks.c.chunks_id == chunks_id)
                .order_by(file_chunks.c.sequence)
            )
            async for (data,) in rows:
                yield data

    @staticmethod
    async def _chunks_id(conn: AsyncConnection, sha256: str) -> UUID | None:
        return await conn.scalar(select(files.c.chunks_id).where(files.c.sha256 == sha256))
