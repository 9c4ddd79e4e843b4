"""The file store: uploaded files kept once each, addressed by their SHA-256,
outside the events (which name a file by its hash, size and media type).

A backend stages the bytes of one upload as they stream in and either keeps
them under their hash or discards them: an upload refused halfway (too large,
of the wrong type) leaves nothing behind, and bytes already held are not stored
a second time. The backend is a setting (`CASCADE_FILE_STORE`, see
`shared/file_stores.py`): `postgresql` (the default, tables in the service's own
database) or `directory`.

A file is kept before the event that names it is recorded, never after: an
event never names bytes that are missing. A command refused after the upload
leaves an unnamed file behind, which the next upload of the same bytes reuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from shared.errors import NotFound

# The unit in which bytes are written to and read from a backend: large enough
# for few round trips, small enough that no request holds much in memory.
CHUNK_BYTES = 1024 * 1024


class FileNotStored(NotFound):
    code = "file_not_stored"


class StagedFile(Protocol):
    """The bytes of one upload, written as they arrive; kept only by `keep`."""

    async def write(self, chunk: bytes) -> None: ...

    async def keep(self, sha256: str, size: int) -> bool:
        """Keep the staged bytes under their hash: True if they are new, False if
        the store held them already (the staged copy is then dropped)."""
        ...


class FileStore(Protocol):
    """Where files live; every backend passes the same contract tests
    (tests/integration/chassis/test_file_store.py)."""

    def stage(self) -> AbstractAsyncContextManager[StagedFile]:
        """A staging area for one upload: whatever was not kept when the block
        ends (by `keep`, or an error) is discarded."""
        ...

    async def holds(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The file's bytes in order (`FileNotStored` if the store lacks them)."""
        ...
