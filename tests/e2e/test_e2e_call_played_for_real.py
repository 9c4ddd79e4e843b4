"""A real open call played by the demo against the four service processes (issue
15 point 8) and asserted from outside: forms, annexes and declarations; one
submission refused for a missing annex and one for an invalid answer; published
results; an upheld review that changes the ranking (a second version) and a
dismissed one; the auditor's trail of the upheld case telling the whole story,
the annex's hash in it that of the bytes downloaded; reporting's counts of the
review requests.

It runs before the chaos trials (by its name): after them, on a stack of its own
even, the demo ends with no application a review could move (the notes say more)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from cascade.demo import real_call
from cascade.demo.cast import AUDITOR, MANAGER, Played
from cascade.demo.client import Cascade, Json
from cascade.demo.play import Player
from cascade.demo.population import generate
from cascade.demo.report import caught_up
from tests.conftest import unique_name
from tests.support.stack import ServiceStack, stack_settings
from tests.support.waiting import eventually

UPHELD_STORY = [
    "applications.ApplicationDrafted",
    "applications.DeclarationMade",
    "applications.AnnexAttached",
    "applications.ApplicationSubmitted",
    "applications.EvaluatorAssigned",
    "applications.EvaluationSubmitted",
    "applications.ApplicationRanked",
    "applications.RankingVersionRecorded",
    "applications.ReviewRequested",
    "applications.EvaluatorAssigned",  # the re-evaluators, drawn as it is upheld
    "applications.ReviewDecided",
    "applications.EvaluationSubmitted",
    "applications.ApplicationRanked",
    "applications.RankingVersionRecorded",
    "applications.ReEvaluationCompleted",
]


@dataclass
class RealCall:
    api: Cascade
    played: Played
    urls: dict[str, str]

    async def trail(self, application_id: str) -> list[Json]:
        path = f"/v1/audit/trail/applications/{application_id}"
        items: list[Json] = (await self.api.get("reporting", AUDITOR, path))["items"]
        return items


@pytest.fixture(scope="module")
def fresh_stack(
    pg_server_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceStack]:
    """A stack of its own (own databases and topics on the session's server and
    broker): the demo's evaluators and outcomes then do not depend on what the
    other end-to-end tests left on the shared stack (see the notes)."""
    settings = stack_settings(pg_server_url, kafka_bootstrap, unique_name("real"))
    running = ServiceStack(settings, tmp_path_factory.mktemp("real-call-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
async def real(fresh_stack: ServiceStack) -> AsyncIterator[RealCall]:
    stack = fresh_stack
    api = Cascade(stack.settings, stack.urls)
    played = await Player(api, generate(60, seed=13, run="real"), "real").play()
    await caught_up(api, api.event_ids)
    yield RealCall(api, played, stack.urls)
    await api.aclose()


async def test_the_calls_publish_forms_annexes_and_declarations(real: RealCall) -> None:
    played, api = real.played, real.api
    ranked = await api.get("calls", MANAGER, f"/v1/calls/{played.ranked_call_id}")
    assert ranked["form"]["schema"]["properties"]["team"]["items"]["properties"]["name"][
        "x-personal"
    ]
    assert [a["code"] for a in ranked["required_annexes"]] == [real_call.WORK_PLAN_ANNEX]
    assert ranked["required_declarations"] == real_call.RANKED_DECLARATIONS
    vouchers = await api.get("calls", MANAGER, f"/v1/calls/{played.voucher_call_id}")
    assert vouchers["required_declarations"] == real_call.VOUCHER_DECLARATIONS
    assert vouchers["form"]["schema"]["required"] == ["green_measure"]
    submitted = [a for a in played.ranked.values() if a.get("status") != "draft"]
    assert all(a["answers"]["budget"] for a in submitted)
    assert set(played.annex_sha256.values()) == {real_call.ANNEX_SHA256}


async def test_a_missing_annex_and_an_invalid_answer_are_refused_then_corrected(
    real: RealCall,
) -> None:
    refusals = real.played.refusals
    assert refusals["submitted without its annex"].startswith(
        f"missing_annexes: {real_call.WORK_PLAN_ANNEX}"
    )
    assert refusals["submitted with an invalid answer"].startswith("invalid_answers: /impact")


async def test_an_upheld_review_adds_a_ranking_version_and_a_dismissed_one_does_not(
    real: RealCall,
) -> None:
    played, api = real.played, real.api
    call_id = played.ranked_call_id
    expected = sorted(
        [(played.review_upheld, "re_evaluated"), (played.review_dismissed, "dismissed")]
    )

    async def decided() -> bool:  # the re-evaluation concludes the request a moment later
        reviews = await api.items("applications", MANAGER, "/v1/review-requests", call_id=call_id)
        return sorted((r["application_id"], r["state"]) for r in reviews) == expected

    try:
        await eventually(decided, timeout=30)
    except AssertionError:
        reviews = await api.items("applications", MANAGER, "/v1/review-requests", call_id=call_id)
        raise AssertionError((expected, played.upheld_outcome, reviews)) from None
    before, after = played.upheld_outcome.split(" -> ")
    assert before.split()[0] in ("rejected", "reserve")
    assert after != before  # the outcome, or the place on the reserve list, changed
    versions = [
        await api.get("applications", MANAGER, f"/v1/calls/{call_id}/ranking", version=v)
        for v in (1, 2)
    ]
    assert all(v["items"] for v in versions)

    report = await api.get("reporting", MANAGER, f"/v1/reports/calls/{call_id}")
    assert report["call"]["status"] == "results_published"
    assert report["review_requests"] == {
        "requested": 2,
        "upheld": 1,
        "dismissed": 1,
        "outcome_changed": 1,
    }


async def test_the_auditors_trail_of_the_upheld_case_tells_the_whole_story(
    real: RealCall,
) -> None:
    played = real.played
    application_id = played.review_upheld
    trail = await real.trail(application_id)
    types = [e["type"] for e in trail]
    remaining = iter(types)
    assert all(any(t == s for s in remaining) for t in UPHELD_STORY), ", ".join(types)
    versions = [e["payload"] for e in trail if e["type"] == "applications.RankingVersionRecorded"]
    assert [(v["version"], v["cause"]) for v in versions] == [
        (1, "selection"),
        (2, "re_evaluation"),
    ]
    before, after = played.upheld_outcome.split(" -> ")
    statuses = [
        {e["application_id"]: e["status"] for e in v["entries"]}[application_id] for v in versions
    ]
    assert statuses == [before.split()[0], after.split()[0]]
    if after == "selected":  # selected by its re-evaluation, and signed once published
        assert "applications.ApplicationContracted" in types, ", ".join(types)

    [attached] = [e["payload"] for e in trail if e["type"] == "applications.AnnexAttached"]
    async with httpx.AsyncClient(base_url=real.urls["applications"]) as client:
        download = await client.get(
            f"/v1/applications/{application_id}/annexes/{attached['annex_id']}",
            headers=real.api.headers(AUDITOR),
        )
    assert download.status_code == 200, download.text
    assert attached["sha256"] == hashlib.sha256(download.content).hexdigest()
    assert attached["sha256"] == played.annex_sha256[application_id]
