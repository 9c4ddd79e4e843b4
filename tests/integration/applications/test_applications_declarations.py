"""Declarations on honour: made by a member of the lead organisation, recorded
with who and when, required at submission; each bad one a clear problem that
records nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support.api import assert_problem
from tests.support.applications import Headers, World, event_payloads
from tests.support.forms import DECLARATIONS, SME_FIGURES


async def declared(
    world: World, headers: Headers, application: dict[str, Any], code: str, **body: Any
) -> Any:
    return await world.act(headers, application, "declarations", code=code, accepted=True, **body)


async def test_a_submission_without_each_required_declaration_is_refused_naming_them(
    world: World,
) -> None:
    call = await world.open_call(required_declarations=DECLARATIONS)
    sme = world.as_("applicant", sub="ceo")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"])
    refused = await world.act(sme, draft, "submit")
    assert assert_problem(refused, 409, "declarations_missing")["missing"] == DECLARATIONS

    world.clock.advance(timedelta(minutes=1))
    made = await declared(world, sme, draft, "no_double_funding")
    assert made.status_code == 200, made.text
    made = await declared(world, sme, draft, "sme_status", figures=SME_FIGURES)
    [first, sme_status] = made.json()["declarations"]
    assert (first["code"], first["declared_by"]) == ("no_double_funding", "ceo")
    assert sme_status["figures"] == SME_FIGURES
    assert sme_status["sme_category"] == "medium"
    assert datetime.fromisoformat(sme_status["declared_at"]) == world.clock.now()
    still = await world.act(sme, draft, "submit")
    assert assert_problem(still, 409, "declarations_missing")["missing"] == [
        "no_exclusion_situation"
    ]

    await declared(world, sme, draft, "no_exclusion_situation")
    submitted = await world.act(sme, draft, "submit")
    assert submitted.status_code == 200, submitted.text
    events = await event_payloads(world.app, "applications.DeclarationMade")
    assert [e["code"] for e in events] == [
        "no_double_funding",
        "sme_status",
        "no_exclusion_situation",
    ]
    assert {e["declared_by"] for e in events} == {"ceo"}
    assert {e["organisation_id"] for e in events} == {org["id"]}
    assert all(e["declared_at"] and e["declaration_id"] for e in events)
    late = await declared(world, sme, draft, "no_double_funding")
    assert_problem(late, 409, "not_a_draft")


async def test_a_later_declaration_of_the_same_code_replaces_the_earlier(world: World) -> None:
    call = await world.open_call(required_declarations=["sme_status"])
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"])
    await declared(world, sme, draft, "sme_status", figures=SME_FIGURES)
    corrected = await declared(
        world, sme, draft, "sme_status", figures={**SME_FIGURES, "headcount": 8}
    )
    [only] = corrected.json()["declarations"]
    assert (only["figures"]["headcount"], only["sme_category"]) == (8, "small")


async def test_only_a_member_of_the_lead_organisation_declares(world: World) -> None:
    call = await world.open_call(required_declarations=DECLARATIONS)
    lead = world.as_("applicant", sub="lead")
    partner = world.as_("applicant", sub="partner")
    stranger = world.as_("applicant", sub="stranger")
    org = await world.organisation(lead)
    partner_org = await world.organisation(partner, country="DE")
    await world.organisation(stranger, country="IT")
    draft = await world.draft(lead, call, org["id"], partner_organisation_ids=[partner_org["id"]])
    for someone in (partner, stranger):
        refused = await declared(world, someone, draft, "no_double_funding")
        assert_problem(refused, 403, "not_a_member")
    assert await event_payloads(world.app, "applications.DeclarationMade") == []


BAD: list[tuple[dict[str, Any], int, str]] = [
    ({"code": "sme_status"}, 422, "invalid_figures"),
    ({"code": "sme_status", "figures": {"headcount": 12}}, 422, "invalid_figures"),
    (
        {"code": "sme_status", "figures": {**SME_FIGURES, "headcount": 400}},
        422,
        "invalid_figures",
    ),
    (
        {
            "code": "sme_status",
            "figures": {
                "headcount": 100,
                "annual_turnover_cents": 60_000_000_00,
                "balance_sheet_total_cents": 50_000_000_00,
            },
        },
        422,
        "invalid_figures",
    ),
    ({"code": "no_double_funding", "figures": SME_FIGURES}, 422, "invalid_figures"),
    ({"code": "no_exclusion_situation"}, 409, "declaration_not_required"),
    ({"code": "loyalty"}, 422, "invalid_input"),
    ({"code": "no_double_funding", "accepted": False}, 422, "invalid_input"),
    ({"code": "sme_status", "figures": {**SME_FIGURES, "headcount": -1}}, 422, "invalid_input"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD)
async def test_a_declaration_that_cannot_hold_is_refused_and_nothing_is_recorded(
    world: World, body: dict[str, Any], status: int, code: str
) -> None:
    call = await world.open_call(required_declarations=["no_double_funding", "sme_status"])
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"])
    refused = await world.act(sme, draft, "declarations", **{"accepted": True, **body})
    assert_problem(refused, status, code)
    assert await event_payloads(world.app, "applications.DeclarationMade") == []
