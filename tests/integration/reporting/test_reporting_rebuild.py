"""A rebuild from scratch equals the live projection: the same canonical checksum
over every record, the same reports, while the service answered from the old
generation until the new one was complete."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from cascade.cli.main import app as cli
from services.reporting import store
from services.reporting.rebuild import Rebuild, RebuildResult
from shared.app import Chassis
from tests.support.calls import DAY, EUR, new_call
from tests.support.reporting import ReportingWorld, feed_clients
from tests.support.reporting_scenario import Story


async def live_checksum(rw: ReportingWorld) -> tuple[int, str]:
    chassis: Chassis = rw.reporting.state.chassis
    async with chassis.engine.connect() as conn:
        generation = await store.active_generation(conn)
        return generation, await store.checksum(conn, generation)


async def generations(rw: ReportingWorld) -> dict[int, str]:
    chassis: Chassis = rw.reporting.state.chassis
    async with chassis.engine.connect() as conn:
        rows = await conn.execute(text("SELECT generation, state FROM projection_generations"))
        return {row.generation: row.state for row in rows}


async def rebuild(
    rw: ReportingWorld, *, from_feeds: bool = False, while_building: Any = None
) -> RebuildResult:
    chassis: Chassis = rw.reporting.state.chassis
    job = Rebuild(
        chassis.settings, chassis.engine, feeds=feed_clients(rw.apps), before_swap=while_building
    )
    return await job.run(from_feeds=from_feeds)


async def test_a_rebuild_from_the_topics_equals_the_live_projection(
    reporting_world: ReportingWorld, story: Story
) -> None:
    await reporting_world.settled()
    path = f"/v1/reports/programmes/{story.programme_id}"
    report = await reporting_world.get(path)
    old, live = await live_checksum(reporting_world)
    seen: dict[str, Any] = {}

    async def while_building(generation: int) -> None:
        seen["states"] = await generations(reporting_world)
        seen["report"] = await reporting_world.get(path)

    result = await rebuild(reporting_world, while_building=while_building)

    assert seen["states"][old] == "active"
    assert seen["states"][result.generation] == "building"
    assert seen["report"] == report  # still answered from the old generation
    assert (result.checksum, await live_checksum(reporting_world)) == (
        live,
        (result.generation, live),
    )
    assert result.events_read >= len(await reporting_world.source_event_ids())
    assert (await generations(reporting_world))[old] == "retired"
    assert await reporting_world.get(path) == report
    shown = await reporting_world.get("/v1/projections", checksum="true")
    [active] = [g for g in shown["items"] if g["state"] == "active"]
    assert (active["generation"], active["checksum"], shown["active_checksum"]) == (
        result.generation,
        live,
        live,
    )
    assert active["built_from"] == "topics"


async def test_a_rebuild_from_the_feeds_as_well_equals_the_live_projection(
    reporting_world: ReportingWorld, story: Story
) -> None:
    await reporting_world.settled()
    _, live = await live_checksum(reporting_world)
    result = await rebuild(reporting_world, from_feeds=True)
    assert result.checksum == live
    assert await live_checksum(reporting_world) == (result.generation, live)


async def test_the_command_rebuilds_with_a_progress_bar_and_says_so(
    reporting_world: ReportingWorld, story: Story
) -> None:
    await reporting_world.settled()
    _, live = await live_checksum(reporting_world)
    settings = reporting_world.reporting.state.chassis.settings
    env = {
        "CASCADE_REPORTING_DATABASE_URL": settings.database_url_of("reporting"),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "CASCADE_TOPIC_PREFIX": settings.topic_prefix,
        "COLUMNS": "200",
    }
    answer = await asyncio.to_thread(CliRunner().invoke, cli, ["reporting", "rebuild"], env=env)
    assert answer.exit_code == 0, answer.output
    assert "Reading the event topics" in answer.output
    assert f"checksum {live}" in answer.output


async def test_events_that_arrive_during_a_rebuild_are_in_the_new_generation(
    reporting_world: ReportingWorld, story: Story
) -> None:
    world = reporting_world.world
    now = world.clock.now()

    async def more_calls() -> list[str]:
        return [
            (
                await new_call(
                    world.calls,
                    world.manager,
                    story.programme_id,
                    budget_cents=1_000 * EUR,
                    max_grant_cents=1_000 * EUR,
                    min_grant_cents=0,
                    opens_at=(now + DAY).isoformat(),
                    closes_at=(now + 9 * DAY).isoformat(),
                )
            )["id"]
            for _ in range(3)
        ]

    result, added = await asyncio.gather(rebuild(reporting_world), more_calls())
    await reporting_world.settled()

    listed = {
        c["call_id"]
        for c in (await reporting_world.get(f"/v1/reports/programmes/{story.programme_id}"))[
            "calls"
        ]
    }
    assert set(added) <= listed
    generation, live = await live_checksum(reporting_world)
    assert generation == result.generation
    assert (await rebuild(reporting_world)).checksum == live
