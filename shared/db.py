"""Database connections: URL handling, engines, and creating a service's database."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from shared.errors import InfrastructureUnavailable


def with_database(server_url: str, database: str) -> str:
    """The same server URL pointing at another database (query string kept,
    since a Unix-socket URL keeps its host there)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def asyncpg_url(url: str) -> str:
    """asyncpg speaks plain `postgresql://`."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql{sep}{rest}" if scheme.startswith("postgres") else url


def sqlalchemy_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"postgresql+asyncpg{sep}{rest}" if scheme.startswith("postgres") else url


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No ping per checkout: it costs a round trip on every transaction, and
        # a connection that died is invalidated on its first error anyway.
        pool_pre_ping=False,
        connect_args={"timeout": 5},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


async def connect(url: str, *, timeout: float = 5.0) -> asyncpg.Connection:
    """A raw connection, with infrastructure failures turned into one clear error."""
    try:
        return await asyncpg.connect(asyncpg_url(url), timeout=timeout)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise InfrastructureUnavailable(
            f"cannot reach PostgreSQL at {redact(url)}: {exc or type(exc).__name__}"
        ) from None


async def ensure_database(url: str) -> bool:
    """Create the database `url` names unless it exists; True if it was created."""
    name = database_name(url)
    admin = await connect(with_database(url, "postgres"))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            return False  # another process created it meanwhile
        return True
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = database_name(url)
    admin = await connect(with_database(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def redact(url: str) -> str:
    """The URL without its password, fit for a log line or an error."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
