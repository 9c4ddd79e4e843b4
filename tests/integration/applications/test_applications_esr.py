"""Evaluation summary reports over HTTP: consensus scores per criterion with the
programme manager's consolidated comments, thresholds, total and outcome; no
evaluator named; the applicant reads it only once the results are published.

call_body's criteria: excellence (weight 3, max 5, threshold 3), impact (weight
2, max 5, threshold 2.5), pass threshold 3.5."""

from __future__ import annotations

from typing import Any

from tests.support.applications import World
from tests.support.results import decided_call, publish_results

ASKED = [
    ("Alpha Robotics", 40_000, (5.0, 5.0)),
    ("Beta Foods", 40_000, (4.0, 4.0)),
    ("Gamma Lab", 10_000, (2.0, 4.0)),
]


async def test_the_applicant_reads_the_report_once_results_are_published(world: World) -> None:
    decided = await decided_call(world, 60_000, ASKED, evaluators=("esr-ev",))
    alpha, beta, gamma = decided.ids
    consolidated = await world.client.post(
        f"/v1/applications/{gamma}/esr/comments",
        headers=world.manager,
        json={"comments": {"excellence": "The state of the art is not described."}},
    )
    assert consolidated.status_code == 200, consolidated.text
    assert consolidated.json()["evaluator_comments"] == ["Sound work plan"]
    unknown = await world.client.post(
        f"/v1/applications/{gamma}/esr/comments",
        headers=world.manager,
        json={"comments": {"style": "Nice fonts"}},
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_criterion"
    by_applicant = await world.client.post(
        f"/v1/applications/{gamma}/esr/comments",
        headers=decided.sme,
        json={"comments": {"impact": "Great"}},
    )
    assert by_applicant.status_code == 403

    early = await world.client.get(f"/v1/applications/{gamma}/esr", headers=decided.sme)
    assert early.status_code == 409
    assert early.json()["code"] == "results_not_published"
    stranger = await world.client.get(
        f"/v1/applications/{gamma}/esr", headers=world.as_("applicant", sub="stranger")
    )
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_a_member"
    audited = await world.client.get(
        f"/v1/applications/{gamma}/esr", headers=world.as_("auditor", sub="eve")
    )
    assert audited.status_code == 200, audited.text

    await publish_results(world, decided.call)

    read = await world.client.get(f"/v1/applications/{gamma}/esr", headers=decided.sme)
    assert read.status_code == 200, read.text
    report: dict[str, Any] = read.json()
    assert [(c["code"], c["score"], c["passed"], c["comment"]) for c in report["criteria"]] == [
        ("excellence", 2.0, False, "The state of the art is not described."),
        ("impact", 4.0, True, None),
    ]
    assert (report["total"], report["passed"], report["outcome"]) == (2.8, False, "rejected")
    assert "excellence scored 2, below its threshold 3" in report["reason"]
    assert "evaluator_comments" not in report
    assert "esr-ev" not in read.text
    assert "evaluator_id" not in read.text
    reserve = (await world.client.get(f"/v1/applications/{beta}/esr", headers=decided.sme)).json()
    assert (reserve["outcome"], reserve["reserve_position"]) == ("reserve", 1)
    assert "does not fit" in reserve["reason"]
    selected = (await world.client.get(f"/v1/applications/{alpha}/esr", headers=decided.sme)).json()
    assert (selected["outcome"], selected["rank"], selected["total"]) == ("selected", 1, 5.0)
