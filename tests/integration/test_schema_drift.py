"""Each service's migrated database holds exactly the tables its metadata modules
declare, and the comparisons that say so name what was changed behind their back."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, text

from cascade.services import definitions
from shared import tables as chassis
from shared.db import make_engine, with_database
from tests.conftest import MakeDatabase, unique_name
from tests.support.schema import catalog, declared_catalog, differences

# Every service's database: the chassis tables, and the tables its definition declares.
DECLARED: dict[str, tuple[MetaData, ...]] = {
    "chassis": (chassis.metadata,),
    **{
        name: (chassis.metadata, *([d.tables] if d.tables is not None else []))
        for name, d in definitions().items()
    },
}


async def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", sorted(DECLARED))
async def test_the_migrated_database_is_what_the_metadata_declares(
    service: str, service_database: MakeDatabase, pg_server_url: str
) -> None:
    url = await service_database(service)
    assert await differences(url, DECLARED[service]) == []
    scratch = with_database(pg_server_url, f"{unique_name()}_{service}_declared")
    assert await catalog(url) == await declared_catalog(scratch, DECLARED[service])


def test_every_service_with_migrations_declares_its_tables() -> None:
    assert [
        name for name, d in definitions().items() if d.migrations is not None and d.tables is None
    ] == []
    assert set(DECLARED) == {"chassis", "calls", "applications", "payments", "reporting"}


async def test_a_column_only_the_database_has_is_named(service_database: MakeDatabase) -> None:
    url = await service_database("payments")
    await _execute(url, "ALTER TABLE grants ADD COLUMN approved_by text")

    found = await differences(url, DECLARED["payments"])

    assert len(found) == 1
    kind, _, table, column = found[0]
    assert (kind, table) == ("remove_column", "grants")
    assert isinstance(column, Column)
    assert column.name == "approved_by"


async def test_a_changed_predicate_or_check_is_named(
    service_database: MakeDatabase, pg_server_url: str
) -> None:
    url = await service_database("calls")
    await _execute(
        url,
        "DROP INDEX calls_due_to_open",
        "CREATE INDEX calls_due_to_open ON calls (opens_at) WHERE status = 'draft'",
        "ALTER TABLE programmes ADD CONSTRAINT programmes_version_check CHECK (version > 0)",
    )
    scratch = with_database(pg_server_url, f"{unique_name()}_calls_declared")

    migrated, declared = await catalog(url), await declared_catalog(scratch, DECLARED["calls"])

    assert {
        name
        for name in migrated.keys() | declared.keys()
        if migrated.get(name) != declared.get(name)
    } == {"index calls_due_to_open", "constraint programmes.programmes_version_check"}
