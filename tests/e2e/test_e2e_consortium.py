"""The ESCP-4i consortium rule end to end: at least 3 members from 3 different
countries, one of them defence-related. A consortium that meets it is eligible;
one without its defence member is refused, with that reason, and the refusal
reaches reporting's eligibility failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cascade.demo.cast import AUDITOR, MANAGER
from cascade.demo.client import Cascade, Json, Person, until

ESCP_4I = {
    "type": "consortium",
    "min_members": 3,
    "min_distinct_countries": 3,
    "required_tags": ["defence"],
}


async def escp_call(api: Cascade) -> Json:
    programme = await api.post(
        "calls",
        MANAGER,
        "/v1/programmes",
        {
            "code": f"ESCP-4i-{datetime.now(UTC):%H%M%S%f}",
            "currency": "EUR",
            "name": "European Strategic Cluster Partnership for defence innovation",
            "budget_cents": 1_000_000_00,
            "objectives": ["innovate", "go_international"],
        },
    )
    opens = datetime.now(UTC) + timedelta(seconds=1)
    call = await api.post(
        "calls",
        MANAGER,
        "/v1/calls",
        {
            "programme_id": programme["id"],
            "code": "ESCP-4i-DEF",
            "kind": "demo_project",
            "selection_mode": "ranked",
            "title": "Cross-border defence demonstrators",
            "budget_cents": 300_000_00,
            "max_grant_cents": 100_000_00,
            "min_grant_cents": 50_000_00,
            "planned_awards": 3,
            "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(hours=1)).isoformat(),
            "objectives": ["innovate"],
            "eligibility": [ESCP_4I],
            "criteria": [
                {
                    "code": "excellence",
                    "title": "Excellence",
                    "weight": 1,
                    "max_score": 5,
                    "threshold": 3,
                }
            ],
            "pass_threshold": 3,
            "evaluators_per_application": 1,
            "instalments": [{"label": "On signature", "percent": 100, "trigger": "on_signature"}],
            "counts_as_de_minimis": False,
        },
    )
    await api.post("calls", MANAGER, f"/v1/calls/{call['id']}/publish")
    return call


async def organisation(
    api: Cascade, who: Person, name: str, country: str, pic: str, tags: list[str]
) -> str:
    created = await api.post(
        "applications",
        who,
        "/v1/organisations",
        {
            "name": name,
            "country": country,
            "size": "small",
            "pic": pic,
            "registered_on": "2015-06-01",
            "tags": tags,
        },
    )
    return str(created["id"])


async def submit(api: Cascade, who: Person, call: Json, lead: str, partners: list[str]) -> Json:
    draft: Json = {}

    async def drafted() -> bool:  # once applications has heard of the call
        nonlocal draft
        answer = await api.send(
            "applications",
            who,
            "POST",
            "/v1/applications",
            {
                "call_id": call["id"],
                "lead_organisation_id": lead,
                "partner_organisation_ids": partners,
                "title": "Secure drone relay",
                "summary": "A demonstrator across three countries",
                "requested_cents": 80_000_00,
                "trl": 6,
                "objectives": ["innovate"],
            },
            expect=(201, 404, 409, 422),
        )
        draft = answer.json()
        return answer.status_code == 201

    await until(drafted, "applications to know the call")
    for partner in partners:  # the same person is a member of each partner, and consents
        invitation = await api.post(
            "applications",
            who,
            f"/v1/organisations/{partner}/invitations",
            {"application_id": draft["id"]},
        )
        await api.post("applications", who, f"/v1/invitations/{invitation['id']}/accept")
    submitted: Json = {}

    async def accepted() -> bool:  # once the call is open
        nonlocal submitted
        answer = await api.send(
            "applications",
            who,
            "POST",
            f"/v1/applications/{draft['id']}/submit",
            {},
            expect=(200, 409),
        )
        submitted = answer.json()
        return answer.status_code == 200

    await until(accepted, "the call to open")
    return submitted


async def test_a_consortium_needs_three_countries_and_a_defence_member(cascade: Cascade) -> None:
    call = await escp_call(cascade)
    stamp = datetime.now(UTC).strftime("%H%M%S")
    who = Person(f"escp-{stamp}", ("applicant",))
    pics = iter(f"7{stamp}{n:02d}" for n in range(10))
    defence_fr = await organisation(cascade, who, "Rafale Micro SAS", "FR", next(pics), ["defence"])
    de = await organisation(cascade, who, "Funk Relais GmbH", "DE", next(pics), ["space"])
    it = await organisation(cascade, who, "Vela Sistemi S.r.l.", "IT", next(pics), [])
    es = await organisation(cascade, who, "Sierra Drones S.L.", "ES", next(pics), ["aeronautics"])

    complete = await submit(cascade, who, call, defence_fr, [de, it])
    without_defence = await submit(cascade, who, call, es, [de, it])

    assert complete["status"] == "eligible"
    assert [(o["type"], o["passed"]) for o in complete["eligibility"]] == [("consortium", True)]
    assert without_defence["status"] == "ineligible"
    [refusal] = without_defence["eligibility"]
    assert (refusal["type"], refusal["passed"]) == ("consortium", False)
    assert "defence" in refusal["reason"]

    async def reported() -> bool:
        report = await cascade.get("reporting", AUDITOR, f"/v1/reports/calls/{call['id']}")
        return bool(report["eligibility_failures"].get("consortium") == 1)

    await until(reported, "reporting to count the consortium refusal", timeout=30)
