"""What separates a migrated database from the metadata that declares its tables:
Alembic's autogenerate comparison, and the catalog's own words for what Alembic
does not compare (check constraints, partial index predicates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.dialects.postgresql.base import ischema_names

from shared.db import drop_database, ensure_database, make_engine
from shared.tables import Xid8

# Reflection reads column types through this map; without xid8 in it the events'
# transaction ids would come back untyped (with a warning) and never be compared.
ischema_names.setdefault("xid8", Xid8)

# Every index and constraint as PostgreSQL itself prints it back, so that a
# declaration and a migration spelled differently compare as what they mean.
CATALOG = text("""
    SELECT 'index ' || indexname AS name, indexdef AS definition
    FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || '.' || conname, pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
      AND conrelid::regclass::text <> 'alembic_version'
""")


async def differences(url: str, metadata: Sequence[MetaData]) -> list[Any]:
    """Alembic's diff directives from the database at `url` to `metadata`: tables,
    columns, types, nullability, server defaults, indexes, unique and foreign keys."""
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_compare, metadata)
    finally:
        await engine.dispose()


def _compare(conn: Connection, metadata: Sequence[MetaData]) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))  # type: ignore[arg-type]


async def catalog(url: str) -> dict[str, str]:
    """Each index and constraint of the database at `url`, by name, as PostgreSQL
    defines it."""
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return {row.name: row.definition for row in await conn.execute(CATALOG)}
    finally:
        await engine.dispose()


async def declared_catalog(url: str, metadata: Sequence[MetaData]) -> dict[str, str]:
    """The catalog of a scratch database at `url` made from `metadata` alone."""
    await ensure_database(url)
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for each in metadata:
                await conn.run_sync(each.create_all)
    finally:
        await engine.dispose()
    try:
        return await catalog(url)
    finally:
        await drop_database(url)
