"""An application answers its call's form: partially while drafted, completely and
validly at submission (each failing answer named by its JSON pointer), its budget
table adding up to the amount requested; personal answers travel in the events'
personal fields; evaluators who accepted read the answers."""

from __future__ import annotations

import json
from typing import Any

from services.applications.events import ApplicationDrafted, ApplicationEdited
from shared.app import Chassis
from shared.audit import verify
from tests.support.api import assert_problem
from tests.support.applications import Headers, World, event_payloads
from tests.support.applications_evaluation import (
    accept,
    assignments,
    close_and_assign,
    evaluator,
    register_evaluator,
)
from tests.support.calls import EUR
from tests.support.forms import DECLARATIONS, FORM, SME_FIGURES, answers


async def form_call(world: World, **changes: Any) -> dict[str, Any]:
    return await world.open_call(**{"form": FORM, "required_declarations": DECLARATIONS, **changes})


async def declare_all(world: World, headers: Headers, application: dict[str, Any]) -> None:
    for code in DECLARATIONS:
        body: dict[str, Any] = {"code": code, "accepted": True}
        if code == "sme_status":
            body["figures"] = SME_FIGURES
        made = await world.act(headers, application, "declarations", **body)
        assert made.status_code == 200, made.text


async def edit(
    world: World, headers: Headers, application: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    current = (
        await world.client.get(f"/v1/applications/{application['id']}", headers=headers)
    ).json()
    fields = ("title", "summary", "requested_cents", "trl", "objectives")
    answer = await world.client.patch(
        f"/v1/applications/{application['id']}",
        headers={**headers, "If-Match": f'"{current["version"]}"'},
        json={**{f: current[f] for f in fields}, **changes},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_draft_keeps_partial_answers_and_an_edit_without_answers_keeps_them(
    world: World,
) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    partial = {"impact": "To be written", "team": [{"name": "Ada Lovelace"}]}
    draft = await world.draft(sme, call, org["id"], answers=partial)
    assert draft["answers"] == partial

    retitled = await edit(world, sme, draft, title="Composite ribs, second try")
    assert retitled["answers"] == partial
    completed = await edit(world, sme, draft, answers=answers())
    assert completed["answers"] == answers()
    shown = (await world.client.get(f"/v1/applications/{draft['id']}", headers=sme)).json()
    assert shown["answers"] == answers()


async def test_a_submission_with_invalid_answers_is_refused_listing_each_pointer(
    world: World,
) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    wrong = answers(impact="short", contact_email="no address")
    del wrong["work_plan"]
    wrong["team"][1]["role"] = "boss"
    draft = await world.draft(sme, call, org["id"], answers=wrong)
    await declare_all(world, sme, draft)

    refused = await world.act(sme, draft, "submit")
    problem = assert_problem(refused, 422, "invalid_answers")
    assert [(e["pointer"], e["type"]) for e in problem["errors"]] == [
        ("/contact_email", "format"),
        ("/impact", "minLength"),
        ("/team/1/role", "enum"),
        ("/work_plan", "required"),
    ]
    assert all(e["field"] == "answers" and e["message"] for e in problem["errors"])
    kept = (await world.client.get(f"/v1/applications/{draft['id']}", headers=sme)).json()
    assert kept["status"] == "draft"
    assert await event_payloads(world.app, "applications.ApplicationSubmitted") == []

    await edit(world, sme, draft, answers=answers())
    submitted = await world.act(sme, draft, "submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "eligible"


async def test_the_budget_table_must_add_up_to_the_amount_requested(world: World) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(
        sme, call, org["id"], requested_cents=40_000 * EUR, answers=answers(35_000 * EUR)
    )
    await declare_all(world, sme, draft)
    refused = await world.act(sme, draft, "submit")
    [error] = assert_problem(refused, 422, "invalid_answers")["errors"]
    assert (error["pointer"], error["type"]) == ("/budget", "budget_total")
    assert "3500000 cents, not the 4000000 requested" in error["message"]

    await edit(world, sme, draft, requested_cents=35_000 * EUR)
    submitted = await world.act(sme, draft, "submit")
    assert submitted.status_code == 200, submitted.text


async def test_a_call_may_leave_the_budget_total_free(world: World) -> None:
    call = await form_call(world, **{"form": {**FORM, "budget_total_must_equal_requested": False}})
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"], answers=answers(12_345 * EUR))
    await declare_all(world, sme, draft)
    submitted = await world.act(sme, draft, "submit")
    assert submitted.status_code == 200, submitted.text


async def test_personal_answers_travel_only_in_the_events_personal_fields(world: World) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"], answers=answers())
    await edit(world, sme, draft, answers=answers(contact_email="ada@elsewhere.example"))

    [drafted] = await event_payloads(world.app, "applications.ApplicationDrafted")
    [edited] = await event_payloads(world.app, "applications.ApplicationEdited")
    for payload, email in ((drafted, "ada@aerotech.example"), (edited, "ada@elsewhere.example")):
        assert "contact_email" not in payload["answers"]
        assert payload["answers"]["team"] == [{"role": "lead"}, {"role": "other"}]
        # Stored sealed for their author (docs/PERSONAL_DATA.md): no answer in clear.
        assert payload["personal_answers"].startswith("sealed:v1:")
        stored = json.dumps(payload)
        assert not [v for v in ("Ada Lovelace", "Tim Berners", email) if v in stored]
        assert payload["personal_pointers"] == ["/contact_email", "/team/0/name", "/team/1/name"]

    # Opened with the service's keys, the feed gives each personal answer back.
    feed = await world.client.get(
        "/v1/events", headers=world.as_("auditor"), params={"opened": "true", "limit": 500}
    )
    assert feed.status_code == 200, feed.text
    opened = {
        e["type"]: e["payload"]["personal_answers"]
        for e in feed.json()["items"]
        if e["type"] in {"applications.ApplicationDrafted", "applications.ApplicationEdited"}
    }
    for event_type, email in (
        ("applications.ApplicationDrafted", "ada@aerotech.example"),
        ("applications.ApplicationEdited", "ada@elsewhere.example"),
    ):
        assert opened[event_type] == {
            "/team/0/name": "Ada Lovelace",
            "/team/1/name": "Tim Berners",
            "/contact_email": email,
        }
    for event in (ApplicationDrafted, ApplicationEdited):
        assert "personal_answers" in event.personal_fields
    document = (await world.client.get("/asyncapi.json")).json()
    message = document["components"]["messages"]["ApplicationDrafted"]
    assert "personal_answers" in message["x-personal-fields"]


async def test_answers_to_a_call_without_a_form_are_refused(world: World) -> None:
    call = await world.open_call()
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    refused = await world.client.post(
        "/v1/applications",
        headers=sme,
        json={
            "call_id": call["id"],
            "lead_organisation_id": org["id"],
            "title": "x",
            "requested_cents": 40_000 * EUR,
            "trl": 4,
            "objectives": ["innovate"],
            "answers": {"impact": "anything"},
        },
    )
    assert_problem(refused, 422, "call_has_no_form")
    assert await event_payloads(world.app, "applications.ApplicationDrafted") == []


async def test_an_answer_document_over_the_body_limit_is_refused_and_nothing_is_stored(
    world: World,
) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    limit = world.settings.max_request_body_bytes
    refused = await world.client.post(
        "/v1/applications",
        headers=sme,
        json={
            "call_id": call["id"],
            "lead_organisation_id": org["id"],
            "title": "x",
            "requested_cents": 40_000 * EUR,
            "trl": 4,
            "objectives": ["innovate"],
            "answers": answers(impact="x" * limit),
        },
    )
    assert_problem(refused, 413, "payload_too_large")
    assert await event_payloads(world.app, "applications.ApplicationDrafted") == []


async def test_an_evaluator_reads_the_answers_once_the_assignment_is_accepted(
    world: World,
) -> None:
    call = await form_call(world, evaluators_per_application=1)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    draft = await world.draft(sme, call, org["id"], answers=answers())
    await declare_all(world, sme, draft)
    assert (await world.act(sme, draft, "submit")).status_code == 200
    await register_evaluator(world, "expert")
    assigned = await close_and_assign(world, call)
    assert assigned.status_code == 200, assigned.text
    [seat] = await assignments(world, "expert")
    url = f"/v1/applications/{draft['id']}"

    before = await world.client.get(url, headers=evaluator(world, "expert"))
    assert_problem(before, 403, "not_a_member")
    assert (await accept(world, "expert", seat["id"])).status_code == 200
    after = await world.client.get(url, headers=evaluator(world, "expert"))
    assert after.status_code == 200, after.text
    assert after.json()["answers"] == answers()


async def test_answers_nested_deeper_than_a_form_needs_are_refused(world: World) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    deep: Any = "x"
    for _ in range(500):
        deep = [deep]
    refused = await world.client.post(
        "/v1/applications",
        headers=sme,
        json={
            "call_id": call["id"],
            "lead_organisation_id": org["id"],
            "title": "x",
            "requested_cents": 40_000 * EUR,
            "trl": 4,
            "objectives": ["innovate"],
            "answers": answers(impact=deep),
        },
    )
    [error] = assert_problem(refused, 422, "invalid_input")["errors"]
    assert error["field"] == "answers"
    assert await event_payloads(world.app, "applications.ApplicationDrafted") == []


async def test_answers_with_nan_are_refused_and_large_numbers_read_back_as_written(
    world: World,
) -> None:
    call = await form_call(world)
    sme = world.as_("applicant")
    org = await world.organisation(sme)
    body = {
        "call_id": call["id"],
        "lead_organisation_id": org["id"],
        "title": "x",
        "requested_cents": 40_000 * EUR,
        "trl": 4,
        "objectives": ["innovate"],
        "answers": {"impact": "__NUMBER__"},
    }
    text = json.dumps(body)
    refused = await world.client.post(
        "/v1/applications",
        headers={**sme, "Content-Type": "application/json"},
        content=text.replace('"__NUMBER__"', "NaN"),
    )
    assert_problem(refused, 422, "invalid_input")
    kept = await world.client.post(
        "/v1/applications",
        headers={**sme, "Content-Type": "application/json"},
        content=text.replace('"__NUMBER__"', "1e20"),
    )
    assert kept.status_code == 201, kept.text
    shown = await world.client.get(f"/v1/applications/{kept.json()['id']}", headers=sme)
    assert shown.json()["answers"] == {"impact": 10**20}
    chassis: Chassis = world.app.state.chassis
    async with chassis.engine.connect() as conn:
        key = world.settings.integrity_key.get_secret_value().encode()
        assert await verify(conn, key) == []  # the stored answers hash as recorded
