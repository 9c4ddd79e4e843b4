"""Programmes over HTTP: created with the Eurocluster defaults, read with their
budget carved into calls, and never carved beyond their budget, even under
concurrent requests."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.support.api import assert_problem
from tests.support.calls import EUR, call_body, event_types, new_programme, programme_body

Headers = dict[str, str]


async def test_a_programme_gets_the_five_objectives_and_the_de_minimis_defaults(
    client: httpx.AsyncClient,
    manager: Headers,
    applicant: Headers,
    app: FastAPI,
) -> None:
    response = await client.post("/v1/programmes", json=programme_body(), headers=manager)
    assert response.status_code == 201, response.text
    programme = response.json()
    assert programme["objectives"] == ["network", "innovate", "adopt", "train", "go_international"]
    assert programme["de_minimis"] == {
        "ceiling_cents": 300_000 * EUR,
        "window_years": 3,
        "cap_applies_to_undertaking": False,
    }
    assert programme["per_beneficiary_cap_cents"] is None
    assert (programme["carved_cents"], programme["remaining_cents"]) == (0, 2_000_000 * EUR)
    assert response.headers["location"] == f"/v1/programmes/{programme['id']}"
    assert await event_types(app, programme["id"]) == ["calls.ProgrammeCreated"]

    read = await client.get(response.headers["location"], headers=applicant)
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert {k: v for k, v in read.json().items() if k != "version"} == {
        k: v for k, v in programme.items() if k not in ("version", "event_ids")
    }


async def test_a_programme_takes_a_cap_per_beneficiary_and_its_own_de_minimis(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(
        client,
        manager,
        per_beneficiary_cap_cents=60_000 * EUR,
        objectives=["adopt", "train"],
        de_minimis={"ceiling_cents": 200_000 * EUR, "window_years": 3},
    )
    assert programme["per_beneficiary_cap_cents"] == 60_000 * EUR
    assert programme["de_minimis"]["ceiling_cents"] == 200_000 * EUR
    assert programme["objectives"] == ["adopt", "train"]


async def test_programme_mistakes_are_refused(
    client: httpx.AsyncClient,
    manager: Headers,
    applicant: Headers,
) -> None:
    taken = await new_programme(client, manager)
    again = await client.post(
        "/v1/programmes", json=programme_body(code=taken["code"]), headers=manager
    )
    assert_problem(again, 409, "code_taken")
    for changes, field in [
        ({"currency": "euro"}, "currency"),
        ({"budget_cents": 0}, "budget_cents"),
        ({"objectives": ["space"]}, "objectives.0"),
        ({"objectives": []}, "objectives"),
    ]:
        response = await client.post(
            "/v1/programmes", json=programme_body(**changes), headers=manager
        )
        assert field in [
            e["field"] for e in assert_problem(response, 422, "invalid_input")["errors"]
        ]
    capped = await client.post(
        "/v1/programmes",
        headers=manager,
        json=programme_body(budget_cents=100 * EUR, per_beneficiary_cap_cents=60_000 * EUR),
    )
    assert assert_problem(capped, 422, "invalid_call")["errors"][0]["type"] == "cap_above_budget"
    denied = await client.post("/v1/programmes", json=programme_body(), headers=applicant)
    assert_problem(denied, 403, "forbidden")


async def test_programmes_are_listed_page_by_page(
    client: httpx.AsyncClient,
    manager: Headers,
    applicant: Headers,
) -> None:
    made = [await new_programme(client, manager) for _ in range(3)]
    first = (await client.get("/v1/programmes?limit=2", headers=applicant)).json()
    second = (
        await client.get(f"/v1/programmes?limit=2&cursor={first['next_cursor']}", headers=applicant)
    ).json()
    assert [p["id"] for p in first["items"] + second["items"]] == [p["id"] for p in made]
    assert second["next_cursor"] is None


async def test_concurrent_calls_never_carve_more_than_the_programme_budget(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager, budget_cents=1_000_000 * EUR)
    bodies = [call_body(programme["id"], budget_cents=300_000 * EUR) for _ in range(8)]
    responses = await asyncio.gather(
        *(client.post("/v1/calls", json=body, headers=manager) for body in bodies)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 5, [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(refused, 409, "programme_budget_exceeded")
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert (page["carved_cents"], page["remaining_cents"]) == (900_000 * EUR, 100_000 * EUR)
    assert len(page["call_budgets"]) == 3


async def test_applicants_see_no_draft_calls_id_or_budget_in_a_programme(
    client: httpx.AsyncClient,
    manager: Headers,
    applicant: Headers,
) -> None:
    programme = await new_programme(client, manager)
    published = (
        await client.post(
            "/v1/calls",
            headers=manager,
            json=call_body(programme["id"], budget_cents=500_000 * EUR),
        )
    ).json()
    assert (
        await client.post(f"/v1/calls/{published['id']}/publish", json={}, headers=manager)
    ).status_code == 200
    draft = (
        await client.post(
            "/v1/calls",
            headers=manager,
            json=call_body(programme["id"], budget_cents=300_000 * EUR),
        )
    ).json()

    as_managed = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert {c["call_id"] for c in as_managed["call_budgets"]} == {published["id"], draft["id"]}
    assert as_managed["carved_cents"] == 800_000 * EUR

    read = await client.get(f"/v1/programmes/{programme['id']}", headers=applicant)
    listed = (await client.get("/v1/programmes", headers=applicant, params={"limit": 500})).json()[
        "items"
    ]
    for seen in (read.json(), *(p for p in listed if p["id"] == programme["id"])):
        assert draft["id"] not in str(seen)
        assert seen["call_budgets"] == [{"call_id": published["id"], "budget_cents": 500_000 * EUR}]
        assert (seen["carved_cents"], seen["remaining_cents"]) == (500_000 * EUR, 1_500_000 * EUR)
