"""Validation over HTTP: each mistake is a 422 naming its field with a stable type,
or a 409 with a stable code, and records nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.app import Chassis
from shared.clock import FixedClock
from tests.support.api import assert_problem
from tests.support.calls import (
    DAY,
    EUR,
    T0,
    act,
    call_body,
    iso,
    new_call,
    new_programme,
    status_of,
)
from tests.support.waiting import eventually

Headers = dict[str, str]
RULES = call_body("x")["eligibility"]
CRITERIA = call_body("x")["criteria"]

MISTAKES: list[tuple[dict[str, Any], str, str]] = [
    ({"min_grant_cents": 70_000 * EUR}, "min_grant_cents", "grant_range"),
    ({"max_grant_cents": 700_000 * EUR}, "max_grant_cents", "max_grant_above_budget"),
    ({"planned_awards": 61}, "planned_awards", "planned_awards_above_budget"),
    (
        {"instalments": [{"label": "All", "percent": 90, "trigger": "on_signature"}]},
        "instalments",
        "instalments_not_100",
    ),
    (
        {
            "instalments": [
                {"label": "A", "percent": 130, "trigger": "on_signature"},
                {"label": "B", "percent": -30, "trigger": "on_report_approved"},
            ]
        },
        "instalments.1.percent",
        "instalment_percent",
    ),
    ({"criteria": [{**CRITERIA[0], "weight": 0}]}, "criteria.0.weight", "criterion_weight"),
    (
        {"criteria": [CRITERIA[0], {**CRITERIA[1], "threshold": 6}]},
        "criteria.1.threshold",
        "criterion_threshold",
    ),
    (
        {"criteria": [CRITERIA[0], {**CRITERIA[1], "code": "excellence"}]},
        "criteria.1.code",
        "criterion_duplicate",
    ),
    ({"criteria": []}, "criteria", "criteria_required"),
    ({"pass_threshold": 7}, "pass_threshold", "pass_threshold"),
    ({"opens_at": iso(T0 + 30 * DAY)}, "closes_at", "dates_order"),
    (
        {"eligibility": [*RULES[:2], {"type": "trl_between", "min": 7, "max": 3}]},
        "eligibility.2.trl_between",
        "value_error",
    ),
    (
        {"eligibility": [*RULES[:2], {"type": "applicant_country_in", "countries": ["France"]}]},
        "eligibility.2.applicant_country_in.countries.0",
        "string_pattern_mismatch",
    ),
    (
        {"eligibility": [{"type": "applicant_size_in", "sizes": ["huge"]}]},
        "eligibility.0.applicant_size_in.sizes.0",
        "literal_error",
    ),
    ({"eligibility": [RULES[0], {"type": "lives_on_mars"}]}, "eligibility.1", "union_tag_invalid"),
    (
        {"eligibility": [{"type": "consortium", "min_members": 2, "min_distinct_countries": 3}]},
        "eligibility.0.consortium",
        "value_error",
    ),
    (
        {"eligibility": [{"type": "requested_between", "min_cents": 0, "max_cents": 90_000 * EUR}]},
        "eligibility.0.max_cents",
        "rule_above_max_grant",
    ),
    ({"objectives": ["innovate", "innovate"]}, "objectives", "value_error"),
    ({"opens_at": "2026-03-03T09:00:00"}, "opens_at", "timezone_aware"),
    ({"budget_cents": 60_000_000.0}, "budget_cents", "int_type"),  # money is never a float
    ({"kind": "loan"}, "kind", "literal_error"),
    (
        {
            "funding_sources": [
                {"name": "Digital Europe", "share_percent": 60, "state_resources": False},
                {"name": "Region", "share_percent": 30, "state_resources": True},
            ]
        },
        "funding_sources",
        "funding_shares_not_100",
    ),
    (
        {
            "funding_sources": [
                {"name": "Region", "share_percent": 50, "state_resources": True},
                {"name": "Region", "share_percent": 50, "state_resources": True},
            ]
        },
        "funding_sources.1.name",
        "funding_source_duplicate",
    ),
    (
        {"funding_sources": [{"name": "Region", "share_percent": 0, "state_resources": True}]},
        "funding_sources.0.share_percent",
        "greater_than_equal",
    ),
]


@pytest.mark.parametrize(("changes", "field", "type_"), MISTAKES)
async def test_a_call_with_a_mistake_is_refused_naming_the_field_and_the_rule(
    client: httpx.AsyncClient,
    manager: Headers,
    app: FastAPI,
    changes: dict[str, Any],
    field: str,
    type_: str,
) -> None:
    programme = await new_programme(client, manager)
    response = await client.post(
        "/v1/calls", json=call_body(programme["id"], **changes), headers=manager
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {"field": field, "type": type_} in [
        {"field": e["field"], "type": e["type"]} for e in errors
    ], errors
    assert all(e["message"] for e in errors)
    assert await count_events(app, "calls.CallDrafted") == 0


async def count_events(app: FastAPI, event_type: str) -> int:
    chassis: Chassis = app.state.chassis
    async with chassis.engine.connect() as conn:
        return int(
            await conn.scalar(
                text("SELECT count(*) FROM events WHERE type = :t"), {"t": event_type}
            )
            or 0
        )


async def test_an_unknown_rule_is_refused_with_the_known_types_in_the_message(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager)
    body = call_body(programme["id"], eligibility=[{"type": "lives_on_mars"}])
    [error] = assert_problem(
        await client.post("/v1/calls", json=body, headers=manager), 422, "invalid_input"
    )["errors"]
    assert "lives_on_mars" in error["message"]
    assert "consortium" in error["message"]


async def test_several_mistakes_are_reported_together(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager)
    body = call_body(
        programme["id"],
        min_grant_cents=70_000 * EUR,
        pass_threshold=9,
        objectives=["innovate"],
        instalments=[{"label": "All", "percent": 50, "trigger": "on_signature"}],
    )
    errors = assert_problem(
        await client.post("/v1/calls", json=body, headers=manager), 422, "invalid_call"
    )["errors"]
    assert {e["type"] for e in errors} == {
        "grant_range",
        "planned_awards_above_budget",
        "pass_threshold",
        "instalments_not_100",
    }


async def test_a_call_for_an_objective_or_above_the_cap_of_its_programme_is_refused(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(
        client, manager, objectives=["network", "train"], per_beneficiary_cap_cents=50_000 * EUR
    )
    response = await client.post("/v1/calls", json=call_body(programme["id"]), headers=manager)
    errors = assert_problem(response, 422, "invalid_call")["errors"]
    assert [(e["field"], e["type"]) for e in errors] == [
        ("max_grant_cents", "max_grant_above_cap"),
        ("objectives.0", "objective_not_in_programme"),
        ("objectives.1", "objective_not_in_programme"),
    ]


async def test_a_call_above_the_programmes_remaining_budget_is_refused(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager, budget_cents=1_000_000 * EUR)
    await new_call(client, manager, programme["id"], budget_cents=600_000 * EUR)
    response = await client.post(
        "/v1/calls", headers=manager, json=call_body(programme["id"], budget_cents=400_001 * EUR)
    )
    assert assert_problem(response, 409, "programme_budget_exceeded")["remaining_cents"] == (
        400_000 * EUR
    )
    await new_call(client, manager, programme["id"], budget_cents=400_000 * EUR)


async def test_a_call_in_an_unknown_programme_is_404(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    body = call_body("0193a000-0000-7000-8000-000000000000")
    assert_problem(await client.post("/v1/calls", json=body, headers=manager), 404, "not_found")


async def test_a_call_whose_deadline_has_passed_cannot_be_published(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    clock.set(T0 + 30 * DAY)
    errors = assert_problem(await act(client, manager, call, "publish"), 422, "invalid_call")[
        "errors"
    ]
    assert errors[0]["type"] == "closes_at_in_past"
    assert await status_of(client, manager, call["id"]) == "draft"


async def test_rules_and_criteria_are_frozen_once_the_call_is_open(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    published = await act(client, manager, call, "publish")
    version = published.json()["version"]
    before_opening = await client.patch(
        f"/v1/calls/{call['id']}",
        json={"eligibility": RULES[:2]},
        headers={**manager, "If-Match": f'"{version}"'},
    )
    assert before_opening.status_code == 200, before_opening.text  # published, not yet open

    clock.set(T0 + 2 * DAY)
    await eventually(lambda: _is_open(client, manager, call["id"]))
    version = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()["version"]
    for changes in (
        {"eligibility": RULES},
        {"criteria": CRITERIA[:1]},
        {"criteria": [{**CRITERIA[0], "weight": 5}], "title": "x"},
    ):
        refused = await client.patch(
            f"/v1/calls/{call['id']}", json=changes, headers={**manager, "If-Match": f'"{version}"'}
        )
        assert assert_problem(refused, 409, "rules_frozen")["fields"]
    retitled = await client.patch(
        f"/v1/calls/{call['id']}",
        json={"title": "x"},
        headers={**manager, "If-Match": f'"{version}"'},
    )
    assert_problem(retitled, 409, "call_not_editable")


async def _is_open(client: httpx.AsyncClient, headers: Headers, call_id: str) -> bool:
    return await status_of(client, headers, call_id) == "open"


async def test_a_calls_funding_sources_decide_what_counts_as_de_minimis(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager)
    eu_only = await new_call(
        client,
        manager,
        programme["id"],
        counts_as_de_minimis=True,
        funding_sources=[
            {"name": "Digital Europe", "share_percent": 100, "state_resources": False}
        ],
    )
    assert (eu_only["counts_as_de_minimis"], eu_only["state_resources_percent"]) == (False, 0)
    co_funded = await new_call(
        client,
        manager,
        programme["id"],
        code="CO-FUNDED",
        counts_as_de_minimis=False,
        funding_sources=[
            {"name": "Digital Europe", "share_percent": 50, "state_resources": False},
            {"name": "Region", "share_percent": 50, "state_resources": True},
        ],
    )
    assert (co_funded["counts_as_de_minimis"], co_funded["state_resources_percent"]) == (True, 50)
    assert [s["name"] for s in co_funded["funding_sources"]] == ["Digital Europe", "Region"]
    legacy = await new_call(client, manager, programme["id"], code="LEGACY")
    assert (legacy["funding_sources"], legacy["state_resources_percent"]) == ([], 100)
