"""A small programme, driven through the real services, for reporting's tests to
check figures on. tests/integration/reporting/test_reporting_figures.py computes
its expected figures by hand; the story:

Programme P. Call A: ranked innovation vouchers (objectives innovate, adopt),
budget 100 000, one evaluator per application, criteria excellence (weight 3)
and impact (weight 2), pass 3.5; open at T0 + 1 day, where six applications are
submitted and a seventh stays a draft:

    A1 FR small   innovate        scores (5, 5) = 5.0  selected 40 000, contracted
    A2 DE micro   innovate adopt  scores (4, 4) = 4.0  selected 40 000, contracted
    A3 IT medium  adopt           scores (4, 3) = 3.6  reserve (20 000 left)
    A4 ES small   innovate        scores (3, 4) = 3.4  rejected (below 3.5)
    A5 NL small   innovate        ineligible: country
    A6 FR large   innovate, TRL 7 ineligible: size and TRL
    A7 FR small   draft

Call B: first come, first served green vouchers (objectives adopt, train),
budget 50 000, at T0 + 2 days: B1 (A1's organisation, adopt) selected 30 000
and contracted; B2 (BE small, train) reserved for lack of budget.
Ranking and selection of A at T0 + 32 days, its results published at T0 +
34 days; A1 and A2 sign at T0 + 35 days,
B1 at T0 + 36 days. The real payments service awards the grants and pays under
four eyes (instalments 70 % on signature, 30 % after the final report): A1
28 000 at T0 + 40; A2 28 000 at T0 + 45, then 5 000 recovered (ordered at
T0 + 48, received at T0 + 50); B1 21 000 at T0 + 39, its report approved at
T0 + 45, 9 000 at T0 + 46.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.applications import World
from tests.support.applications_evaluation import (
    call_action,
    close_and_assign,
    evaluate_all,
    register_evaluator,
)
from tests.support.calls import DAY, EUR, T0, new_programme
from tests.support.reporting import ReportingWorld
from tests.support.results import publish_results

SELECTION_AT = T0 + 32 * DAY
BEFORE_CONTRACTS = T0 + 33 * DAY
RESULTS_PUBLISHED_AT = T0 + 34 * DAY
CALL_A = {"budget_cents": 100_000 * EUR, "evaluators_per_application": 1}
CALL_B = {
    "kind": "green_voucher",
    "selection_mode": "first_come_first_served",
    "criteria": [],
    "budget_cents": 50_000 * EUR,
    "max_grant_cents": 30_000 * EUR,
    "objectives": ["adopt", "train"],
    "planned_awards": 2,
    "eligibility": [{"type": "applicant_country_in", "countries": ["FR", "DE", "BE"]}],
}
SCORES = {"A1": (5, 5), "A2": (4, 4), "A3": (4, 3), "A4": (3, 4)}


@dataclass
class Story:
    """The ids the tests look figures up by, and what was seen on the way."""

    programme_id: str = ""
    call_a: dict[str, Any] = field(default_factory=dict)
    call_b: dict[str, Any] = field(default_factory=dict)
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: dict[str, str] = field(default_factory=dict)  # application name -> grant id
    live_before_contracts: dict[str, Any] = field(default_factory=dict)
    live_call_a_before_contracts: dict[str, Any] = field(default_factory=dict)


async def submit(
    world: World, name: str, story: Story, call: dict[str, Any], org: str, **changes: Any
) -> dict[str, Any]:
    sme = world.as_("applicant")
    draft = await world.draft(sme, call, story.organisations[org]["id"], **changes)
    answer = await world.act(sme, draft, "submit")
    assert answer.status_code in (200, 409), answer.text
    story.applications[name] = draft
    return draft


async def play(rw: ReportingWorld) -> Story:
    world, story = rw.world, Story()
    sme = world.as_("applicant")
    programme = await new_programme(world.calls, world.manager)
    story.programme_id = programme["id"]
    story.call_a = await world.open_call(programme_id=story.programme_id, **CALL_A)
    story.call_b = await world.open_call(programme_id=story.programme_id, **CALL_B)
    for name, country, size in (
        ("fr", "FR", "small"),
        ("de", "DE", "micro"),
        ("it", "IT", "medium"),
        ("es", "ES", "small"),
        ("nl", "NL", "small"),
        ("fr-large", "FR", "large"),
        ("fr-2", "FR", "small"),
        ("be", "BE", "small"),
    ):
        story.organisations[name] = await world.organisation(sme, country=country, size=size)
    for name, org, objectives in (
        ("A1", "fr", ["innovate"]),
        ("A2", "de", ["innovate", "adopt"]),
        ("A3", "it", ["adopt"]),
        ("A4", "es", ["innovate"]),
        ("A5", "nl", ["innovate"]),
    ):
        await submit(world, name, story, story.call_a, org, objectives=objectives)
    await submit(world, "A6", story, story.call_a, "fr-large", trl=7)
    story.applications["A7"] = await world.draft(
        sme, story.call_a, story.organisations["fr-2"]["id"]
    )
    world.clock.set(T0 + 2 * DAY)
    await submit(
        world, "B1", story, story.call_b, "fr", objectives=["adopt"], requested_cents=30_000 * EUR
    )
    await submit(
        world, "B2", story, story.call_b, "be", objectives=["train"], requested_cents=30_000 * EUR
    )

    await register_evaluator(world, "eve")
    assigned = await close_and_assign(world, story.call_a)
    assert assigned.status_code == 200, assigned.text
    await evaluate_all(
        world, ["eve"], {story.applications[n]["id"]: [s] for n, s in SCORES.items()}
    )
    world.clock.set(SELECTION_AT)
    for action in ("ranking", "selection"):
        answer = await call_action(world, story.call_a, action)
        assert answer.status_code == 200, answer.text

    world.clock.set(BEFORE_CONTRACTS)
    await rw.settled()
    story.live_before_contracts = await rw.get(f"/v1/reports/programmes/{story.programme_id}")
    story.live_call_a_before_contracts = await rw.get(f"/v1/reports/calls/{story.call_a['id']}")
    # Applicants sign once the results are out: published after the snapshot's
    # instant, so a report as of BEFORE_CONTRACTS still equals the snapshot.
    world.clock.set(RESULTS_PUBLISHED_AT)
    await publish_results(world, story.call_a)

    for name, day in (("A1", 35), ("A2", 35), ("B1", 36)):
        world.clock.set(T0 + day * DAY)
        signed = await world.act(sme, story.applications[name], "sign")
        assert signed.status_code == 200, signed.text
        await grant_of(rw, story, name)  # awarded by payments at this instant
    await pay(rw, story)
    await rw.settled()
    return story


async def pay(rw: ReportingWorld, story: Story) -> None:
    """Pay the instalments due on signature (70 %), and B1's second (30 %) after its
    final report; recover 5 000 of A2. Each grant is awarded by payments on the
    contract, before the clock moves on."""
    for name, day in (("A1", 40), ("A2", 45), ("B1", 39)):
        grant = await grant_of(rw, story, name)
        on_signature = grant["instalments"][0]
        assert on_signature["trigger"] == "on_signature"
        await rw.pay(on_signature["id"], T0 + day * DAY)
    b1 = story.grants["B1"]
    await rw.approve_final_report(b1, T0 + 45 * DAY)
    await rw.pay((await grant_of(rw, story, "B1"))["instalments"][1]["id"], T0 + 46 * DAY)
    await rw.recover(story.grants["A2"], 5_000 * EUR, T0 + 48 * DAY, T0 + 50 * DAY)


async def grant_of(rw: ReportingWorld, story: Story, name: str) -> dict[str, Any]:
    call = story.call_a if name.startswith("A") else story.call_b
    grant = await rw.grant_of(story.applications[name]["id"], call["id"])
    story.grants[name] = grant["id"]
    return grant
