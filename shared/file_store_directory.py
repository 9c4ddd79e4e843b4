"""The file store in a directory (`CASCADE_FILE_STORE=directory`): one file per
hash under `<directory>/<service>/<first two hex digits>/<sha256>`, staged in
`<directory>/<service>/incoming/` and linked into place once whole.

A directory shared by several instances of a service (a network volume) works
as one store: linking is atomic, and a second instance finding the hash taken
drops its own copy."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import BinaryIO
from uuid import uuid4

from shared.files import CHUNK_BYTES, FileNotStored


class _Staged:
    def __init__(self, store: DirectoryStore, path: Path, handle: BinaryIO) -> None:
        self.store, self.path, self.handle = store, path, handle

    async def write(self, chunk: bytes) -> None:
        await asyncio.to_thread(self.handle.write, chunk)

    async def keep(self, sha256: str, size: int) -> bool:
        await asyncio.to_thread(self._settle)
        target = self.store.path_of(sha256)
        return await asyncio.to_thread(self._link, target)

    def _settle(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def _link(self, target: Path) -> bool:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.path, target)
        except FileExistsError:
            return False
        return True


class DirectoryStore:
    def __init__(self, directory: str, service: str) -> None:
        self.root = Path(directory) / service

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise FileNotStored(f"no file with SHA-256 {sha256}")
        return self.root / sha256[:2] / sha256

    @asynccontextmanager
    async def stage(self) -> AsyncIterator[_Staged]:
        incoming = self.root / "incoming"
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        path = incoming / uuid4().hex
        handle = await asyncio.to_thread(path.open, "xb")
        try:
            yield _Staged(self, path, handle)
        finally:
            # Kept or not, the staged name goes: a kept file lives on under its hash.
            await asyncio.to_thread(handle.close)
            with suppress(FileNotFoundError):
                await asyncio.to_thread(path.unlink)

    async def holds(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        path = self.path_of(sha256)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise FileNotStored(f"no file with SHA-256 {sha256}") from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)
