"""Redress in reporting: review requests, upheld and dismissed ones counted per
call, the auditor's trail of an upheld case with both ranking versions, and a
rebuild that equals the live projection with the new events.

A call of its own in the shared world, one evaluator per application:
Alpha (5, 5) selected 40 000, Beta (4, 4) reserve 40 000, Gamma (2, 4)
rejected 10 000; Gamma's review is upheld and re-evaluated at (5, 5), which
selects it (20 000 were left); Beta's is dismissed."""

from __future__ import annotations

from tests.integration.reporting.test_reporting_rebuild import live_checksum, rebuild
from tests.support.reporting import ReportingWorld
from tests.support.reporting_scenario import Story
from tests.support.results import ask, decide, decided_call, publish_results, re_evaluate

EVALUATORS = ("rp-ev1", "rp-ev2", "rp-ev3")


async def test_reviews_are_counted_per_call_traced_for_the_auditor_and_rebuilt_alike(
    reporting_world: ReportingWorld, story: Story
) -> None:
    world = reporting_world.world
    decided = await decided_call(
        world,
        60_000,
        [("Alpha", 40_000, (5, 5)), ("Beta", 40_000, (4, 4)), ("Gamma", 10_000, (2, 4))],
        evaluators=EVALUATORS,
    )
    _, beta, gamma = decided.ids
    await publish_results(world, decided.call)
    upheld = (await ask(world, decided.sme, gamma)).json()
    assert (await decide(world, "rita", upheld["id"], "upheld")).status_code == 200
    concluded = (await re_evaluate(world, EVALUATORS, gamma, (5, 5)))["review_request"]
    assert concluded["ranking_version"] == 2
    dismissed = (await ask(world, decided.sme, beta)).json()
    assert (await decide(world, "rita", dismissed["id"], "dismissed")).status_code == 200
    await reporting_world.settled()

    report = await reporting_world.get(f"/v1/reports/calls/{decided.call['id']}")

    assert report["review_requests"] == {
        "requested": 2,
        "upheld": 1,
        "dismissed": 1,
        "outcome_changed": 1,
    }
    assert report["call"]["status"] == "results_published"
    assert (report["applications"]["selected"], report["applications"]["reserve"]) == (2, 1)
    trail = (await reporting_world.get(f"/v1/audit/trail/applications/{gamma}"))["items"]
    types = [e["type"] for e in trail]
    for expected in (
        "applications.ReviewRequested",
        "applications.ReviewDecided",
        "applications.ReEvaluationCompleted",
    ):
        assert expected in types, types
    versions = [e["payload"] for e in trail if e["type"] == "applications.RankingVersionRecorded"]
    assert [(v["version"], v["cause"]) for v in versions] == [
        (1, "selection"),
        (2, "re_evaluation"),
    ]
    statuses = [{e["application_id"]: e["status"] for e in v["entries"]}[gamma] for v in versions]
    assert statuses == ["rejected", "selected"]
    assert types.index("applications.ReviewRequested") < types.index(
        "applications.ReEvaluationCompleted"
    )

    _, live = await live_checksum(reporting_world)
    result = await rebuild(reporting_world)
    assert await live_checksum(reporting_world) == (result.generation, live)
    assert await reporting_world.get(f"/v1/reports/calls/{decided.call['id']}") == {
        **report,
        "as_of": (await reporting_world.get(f"/v1/reports/calls/{decided.call['id']}"))["as_of"],
    }
