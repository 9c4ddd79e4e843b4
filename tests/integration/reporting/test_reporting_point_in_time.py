"""Figures as of an instant, recomputed from the events recorded up to it: equal
to what the live projection said then, and unmoved by everything recorded since."""

from __future__ import annotations

from typing import Any

from tests.support.api import assert_problem
from tests.support.calls import DAY, EUR, T0
from tests.support.reporting import ReportingWorld
from tests.support.reporting_scenario import BEFORE_CONTRACTS, Story, grant_of

WHEN = {"as_of", "basis"}


def figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in WHEN}


async def as_of(rw: ReportingWorld, path: str, instant: str) -> dict[str, Any]:
    return await rw.get(path, as_of=instant)


async def test_a_report_as_of_an_instant_equals_the_live_report_taken_then(
    reporting_world: ReportingWorld, story: Story
) -> None:
    path = f"/v1/reports/programmes/{story.programme_id}"
    then = await as_of(reporting_world, path, BEFORE_CONTRACTS.isoformat())
    assert (then["basis"], then["as_of"]) == ("events", BEFORE_CONTRACTS.isoformat())
    assert figures(then) == figures(story.live_before_contracts)
    call_then = await as_of(
        reporting_world, f"/v1/reports/calls/{story.call_a['id']}", BEFORE_CONTRACTS.isoformat()
    )
    assert figures(call_then) == figures(story.live_call_a_before_contracts)


async def test_before_the_contracts_nothing_was_committed_or_paid(
    reporting_world: ReportingWorld, story: Story
) -> None:
    then = await as_of(
        reporting_world,
        f"/v1/reports/programmes/{story.programme_id}",
        BEFORE_CONTRACTS.isoformat(),
    )
    assert {s: n for s, n in then["applications"].items() if n} == {
        "selected": 3,
        "reserve": 2,
        "rejected": 1,
        "ineligible": 2,
        "draft": 1,
    }
    assert (then["support_actions"], then["committed_cents"], then["paid_cents"]) == (0, 0, 0)
    assert then["median_days_to_first_payment"] is None


async def test_any_offset_names_the_same_instant(
    reporting_world: ReportingWorld, story: Story
) -> None:
    path = f"/v1/reports/programmes/{story.programme_id}"
    naive = BEFORE_CONTRACTS.replace(tzinfo=None).isoformat()  # no offset: which instant?
    assert (
        await reporting_world.client.get(
            path, headers=reporting_world.auditor, params={"as_of": naive}
        )
    ).status_code == 422
    plus_two = "2026-04-04T11:00:00+02:00"  # T0 + 33 days, 09:00 UTC
    assert figures(await as_of(reporting_world, path, plus_two)) == figures(
        story.live_before_contracts
    )


async def test_a_figure_as_of_an_earlier_instant_does_not_move_when_later_events_arrive(
    reporting_world: ReportingWorld, story: Story
) -> None:
    path = f"/v1/reports/programmes/{story.programme_id}"
    instant = (T0 + 47 * DAY).isoformat()
    before = await as_of(reporting_world, path, instant)
    a1 = await grant_of(reporting_world, story, "A1")
    await reporting_world.approve_final_report(a1["id"], T0 + 59 * DAY)
    await reporting_world.pay(a1["instalments"][1]["id"], T0 + 60 * DAY)  # the last 30 %
    await reporting_world.settled()
    live = await reporting_world.get(path)
    assert live["paid_cents"] == 98_000 * EUR
    assert await as_of(reporting_world, path, instant) == before
    assert before["paid_cents"] == 86_000 * EUR


async def test_an_event_recorded_before_the_instant_counts_however_late_it_arrives(
    reporting_world: ReportingWorld, story: Story
) -> None:
    """The instant of an event is its own service's commit, not its arrival here:
    payments' books held a recovery recorded at T0 + 52 as of T0 + 55, so once
    reporting hears of it (here after events recorded at T0 + 60), the figure as
    of T0 + 55 includes it."""
    path = f"/v1/reports/programmes/{story.programme_id}"
    instant = (T0 + 55 * DAY).isoformat()
    before = await as_of(reporting_world, path, instant)
    clock = reporting_world.world.clock
    now = clock.now()
    await reporting_world.recover(story.grants["A2"], 1_000 * EUR, T0 + 52 * DAY, T0 + 52 * DAY)
    clock.set(now)
    await reporting_world.settled()
    after = await as_of(reporting_world, path, instant)
    assert after["recovered_cents"] == before["recovered_cents"] + 1_000 * EUR
    assert (await as_of(reporting_world, path, (T0 + 51 * DAY).isoformat()))[
        "recovered_cents"
    ] == before["recovered_cents"]


async def test_bad_instants_are_refused_with_a_problem(
    reporting_world: ReportingWorld, story: Story
) -> None:
    path = f"/v1/reports/programmes/{story.programme_id}"
    client, auditor = reporting_world.client, reporting_world.auditor
    for bad in ("yesterday", "2026-13-01T00:00:00Z", ""):
        assert_problem(
            await client.get(path, headers=auditor, params={"as_of": bad}), 422, "invalid_input"
        )
    # Offsets that take an instant out of the years 1 to 9999 once in UTC.
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        refused = assert_problem(
            await client.get(path, headers=auditor, params={"as_of": edge}), 422, "invalid_input"
        )
        assert [e["field"] for e in refused["errors"]] == ["query.as_of"]
    future = (reporting_world.world.clock.now() + DAY).isoformat()
    assert_problem(
        await client.get(path, headers=auditor, params={"as_of": future}), 422, "as_of_in_future"
    )
    manager = reporting_world.world.manager
    assert_problem(
        await client.get(path, headers=manager, params={"as_of": BEFORE_CONTRACTS.isoformat()}),
        403,
        "forbidden",
    )
