"""The asyncpg connection under a SQLAlchemy one, for the hot statements: inside
the caller's transaction, its errors raised as SQLAlchemy would raise them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection


@asynccontextmanager
async def driver_connection(conn: AsyncConnection, statement: str) -> AsyncIterator[Any]:
    """Yields the asyncpg connection of `conn`, its transaction begun.

    A statement sent here skips SQLAlchemy's compilation, parameter processing
    and result wrapping (most of an append's client CPU); asyncpg prepares it
    once per connection. SQLAlchemy begins its transactions lazily, at the first
    statement, so a statement sent before that would run outside the caller's
    transaction: the begin is done here first. Errors come out as SQLAlchemy's
    `DBAPIError` (the connection invalidated when it was lost), so callers and
    the HTTP layer treat them as any other database error; a unique violation
    stays asyncpg's own for the caller to interpret.
    """
    fairy = await conn.get_raw_connection()
    adapted = fairy.dbapi_connection
    assert adapted is not None, "a connection checked out of the pool has a DBAPI connection"
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        # Private to SQLAlchemy's asyncpg adapter (pinned version); the store's tests
        # fail if an upgrade changes it (an append must roll back with its caller).
        if adapted._transaction is None and not adapted.autocommit:
            await adapted._start_transaction()  # raises DBAPI errors
        try:
            yield adapted.driver_connection
        except asyncpg.UniqueViolationError:
            raise
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            adapted._handle_exception(exc)  # raises the DBAPI form
    except dbapi_error as translated:
        lost = conn.dialect.is_disconnect(translated, adapted, None)
        if lost:
            await conn.invalidate()
        raise DBAPIError.instance(
            statement,
            None,
            translated,
            dbapi_error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=conn.dialect,
        ) from translated.__cause__
