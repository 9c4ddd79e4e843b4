"""Every file store backend keeps a file once under its SHA-256, reads back its
exact bytes, and keeps nothing of an upload that was not kept (refused halfway,
or failed): one contract, run against each backend."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.file_store_directory import DirectoryStore
from shared.file_store_postgres import PostgresStore
from shared.files import CHUNK_BYTES, FileNotStored, FileStore
from shared.tables import file_chunks, files

# Over two of the backends' chunks, and not a multiple of them.
CONTENT = bytes(range(256)) * (CHUNK_BYTES // 128 + 7)
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture(params=["postgresql", "directory"])
def store(request: pytest.FixtureRequest, engine: AsyncEngine, tmp_path: Path) -> FileStore:
    if request.param == "postgresql":
        return PostgresStore(engine)
    return DirectoryStore(str(tmp_path), "applications")


async def _put(store: FileStore, content: bytes, piece: int = 64 * 1024) -> bool:
    async with store.stage() as staged:
        for start in range(0, len(content), piece):
            await staged.write(content[start : start + piece])
        return await staged.keep(hashlib.sha256(content).hexdigest(), len(content))


async def _read(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def _copies(store: FileStore, tmp_path: Path) -> int:
    """How many copies of any file the backend holds, staged ones included."""
    if isinstance(store, PostgresStore):
        async with store.engine.connect() as conn:
            chunk_sets = await conn.scalar(
                select(func.count(func.distinct(file_chunks.c.chunks_id)))
            )
            named = await conn.scalar(select(func.count()).select_from(files))
        assert chunk_sets == named
        return int(named or 0)
    return await asyncio.to_thread(_files_under, tmp_path)


def _files_under(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


async def test_a_kept_file_reads_back_byte_for_byte(store: FileStore) -> None:
    assert await _put(store, CONTENT) is True
    assert await store.holds(SHA)
    assert await _read(store.read(SHA)) == CONTENT


async def test_the_same_bytes_are_stored_once(store: FileStore, tmp_path: Path) -> None:
    assert await _put(store, CONTENT) is True
    assert await _put(store, CONTENT, piece=1000) is False
    assert await _copies(store, tmp_path) == 1
    assert await _read(store.read(SHA)) == CONTENT


async def _fail_halfway(store: FileStore) -> None:
    async with store.stage() as staged:
        await staged.write(CONTENT)
        raise RuntimeError("refused halfway")


async def test_an_upload_not_kept_leaves_nothing(store: FileStore, tmp_path: Path) -> None:
    async with store.stage() as staged:
        await staged.write(CONTENT)
    with pytest.raises(RuntimeError):
        await _fail_halfway(store)
    assert await _copies(store, tmp_path) == 0
    assert not await store.holds(SHA)


async def test_an_unknown_hash_is_not_stored(store: FileStore) -> None:
    assert not await store.holds("0" * 64)
    with pytest.raises(FileNotStored):
        await _read(store.read("0" * 64))


async def test_two_uploads_of_the_same_bytes_at_once_keep_one_copy(
    store: FileStore, tmp_path: Path
) -> None:
    kept = await asyncio.gather(_put(store, CONTENT), _put(store, CONTENT, piece=4096))
    assert sorted(kept) == [False, True]
    assert await _copies(store, tmp_path) == 1
    assert await _read(store.read(SHA)) == CONTENT
