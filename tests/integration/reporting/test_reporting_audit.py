"""The audit copy: every event of one aggregate, the whole story of one grant
across services in order, and the watermarks a client waits on."""

from __future__ import annotations

from tests.support.api import assert_problem
from tests.support.calls import DAY, new_call
from tests.support.reporting import ReportingWorld
from tests.support.reporting_scenario import Story


async def test_every_event_of_an_aggregate_is_kept_as_published(
    reporting_world: ReportingWorld, story: Story
) -> None:
    call_id = story.call_a["id"]
    page = await reporting_world.get(f"/v1/audit/streams/{call_id}", limit=2)
    assert [e["version"] for e in page["items"]] == [1, 2]
    rest = await reporting_world.get(
        f"/v1/audit/streams/{call_id}", cursor=page["next_cursor"], limit=500
    )
    items = page["items"] + rest["items"]
    assert [e["version"] for e in items] == list(range(1, len(items) + 1))
    assert [e["type"] for e in items[:3]] == [
        "calls.CallDrafted",
        "calls.CallPublished",
        "calls.CallOpened",
    ]
    first = items[0]
    assert first["source"] == "calls"
    assert first["stream_id"] == call_id
    assert first["payload"]["call_id"] == call_id
    assert len(first["hash"]) == 64
    assert first["prev_hash"] == "0" * 64


async def test_the_trail_of_an_application_tells_its_story_across_services_in_order(
    reporting_world: ReportingWorld, story: Story
) -> None:
    application_id = story.applications["A2"]["id"]
    trail = (await reporting_world.get(f"/v1/audit/trail/applications/{application_id}"))["items"]
    types = [e["type"] for e in trail]
    story_order = [
        "applications.ApplicationDrafted",
        "applications.ApplicationSubmitted",
        "applications.EligibilityAssessed",
        "applications.EvaluatorAssigned",
        "applications.EvaluationSubmitted",
        "applications.ApplicationRanked",
        "applications.ApplicationSelected",
        "applications.ApplicationContracted",
        "payments.GrantAwarded",
        "payments.PaymentDisbursed",
        "payments.RecoveryOrdered",
        "payments.RecoveryReceived",
    ]
    positions = [types.index(t) for t in story_order]
    assert positions == sorted(positions), types
    assert {e["source"] for e in trail} == {"applications", "payments", "calls"}
    instants = [e["recorded_at"] for e in trail]
    assert instants == sorted(instants)


async def test_audit_is_for_auditors_and_unknown_streams_are_not_found(
    reporting_world: ReportingWorld, story: Story
) -> None:
    client = reporting_world.client
    path = f"/v1/audit/streams/{story.call_a['id']}"
    assert_problem(await client.get(path, headers=reporting_world.world.manager), 403, "forbidden")
    assert_problem(
        await client.get("/v1/audit/streams/nothing-here", headers=reporting_world.auditor),
        404,
        "not_found",
    )


async def test_the_history_verifies_against_every_feed(
    reporting_world: ReportingWorld, story: Story
) -> None:
    await reporting_world.settled()
    answer = await reporting_world.get("/v1/audit/verify")
    assert reporting_world.dead_letters() == 0
    assert answer["differences"] == []
    assert answer["intact"] is True
    for source, line in answer["sources"].items():
        assert line["audit_events"] == line["feed_events"] > 0, source


async def test_a_client_waits_on_the_watermarks_for_its_own_events(
    reporting_world: ReportingWorld, story: Story
) -> None:
    world = reporting_world.world
    now = world.clock.now()
    created = await new_call(
        world.calls,
        world.manager,
        story.programme_id,
        opens_at=(now + DAY).isoformat(),
        closes_at=(now + 9 * DAY).isoformat(),
    )
    event_ids = created["event_ids"]
    await reporting_world.settled()
    marks = await reporting_world.get(
        "/v1/watermarks", headers=world.as_("applicant"), event_id=event_ids
    )
    assert marks["applied"] is True
    assert set(marks["events"]) == set(event_ids)
    assert marks["sources"]["calls"]["events_applied"] > 0
    unknown = await reporting_world.get(
        "/v1/watermarks", event_id=["0190a000-0000-7000-8000-000000000000"]
    )
    assert unknown["applied"] is False


async def test_metrics_show_consumer_lag_and_projection_freshness(
    reporting_world: ReportingWorld, story: Story
) -> None:
    await reporting_world.settled()
    text = (await reporting_world.client.get("/metrics")).text
    assert 'cascade_consumer_lag_messages{consumer="reporting"' in text
    for name in (
        "cascade_projection_staleness_seconds",
        "cascade_projection_apply_delay_seconds",
        "cascade_projection_newest_event_timestamp_seconds",
    ):
        assert f'{name}{{service="reporting",source="payments"}}' in text, name
    assert 'cascade_projection_generation{service="reporting"}' in text
