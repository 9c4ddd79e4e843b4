"""A call's lifecycle through HTTP: draft, edit, publish, open, extend, amend,
close, cancel; and who sees what."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.clock import FixedClock
from tests.support.api import assert_problem
from tests.support.calls import (
    DAY,
    EUR,
    T0,
    act,
    call_body,
    event_types,
    iso,
    new_call,
    new_programme,
    status_of,
)
from tests.support.waiting import eventually

Headers = dict[str, str]


async def test_a_drafted_call_answers_its_terms_status_version_and_event_ids(
    client: httpx.AsyncClient,
    manager: Headers,
    app: FastAPI,
) -> None:
    programme = await new_programme(client, manager)
    response = await client.post("/v1/calls", headers=manager, json=call_body(programme["id"]))
    assert response.status_code == 201, response.text
    call = response.json()
    assert call["status"] == "draft"
    assert (call["version"], response.headers["etag"]) == (1, '"1"')
    assert response.headers["location"] == f"/v1/calls/{call['id']}"
    assert len(call["event_ids"]) == 2  # the call's draft and the programme's carve-out
    assert call["currency"] == "EUR"
    assert (call["committed_cents"], call["available_cents"]) == (0, 600_000 * EUR)
    assert [r["type"] for r in call["eligibility"]][:3] == [
        "applicant_country_in",
        "applicant_size_in",
        "trl_between",
    ]
    assert call["eligibility"][2]["description"] == (
        "The project's technology readiness level is between 3 and 5."
    )
    assert await event_types(app, call["id"]) == ["calls.CallDrafted"]
    assert await event_types(app, programme["id"]) == [
        "calls.ProgrammeCreated",
        "calls.ProgrammeBudgetCarved",
    ]
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert (page["carved_cents"], page["remaining_cents"]) == (600_000 * EUR, 1_400_000 * EUR)
    assert page["call_budgets"] == [{"call_id": call["id"], "budget_cents": 600_000 * EUR}]


async def edit(
    client: httpx.AsyncClient, headers: Headers, call: dict[str, Any], version: int, **changes: Any
) -> httpx.Response:
    return await client.patch(
        f"/v1/calls/{call['id']}", json=changes, headers={**headers, "If-Match": f'"{version}"'}
    )


async def test_a_draft_is_edited_with_if_match_and_a_stale_or_missing_one_is_refused(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])

    response = await edit(
        client, manager, call, 1, title="Low-TRL innovation", budget_cents=500_000 * EUR
    )
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["version"]) == ("Low-TRL innovation", 2)
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert page["carved_cents"] == 500_000 * EUR  # the edit moved the carve-out

    assert_problem(
        await edit(client, manager, call, 1, title="Lost update"), 409, "version_conflict"
    )
    missing = await client.patch(f"/v1/calls/{call['id']}", json={"title": "x"}, headers=manager)
    assert_problem(missing, 428, "precondition_required")
    unknown = await edit(client, manager, call, 2, programme_id=programme["id"])
    assert assert_problem(unknown, 422, "invalid_call")["errors"][0]["type"] == "extra_forbidden"
    assert (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()["title"] == (
        "Low-TRL innovation"
    )


async def test_a_published_call_opens_and_closes_by_itself_at_its_instants(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
    app: FastAPI,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    published = await act(client, manager, call, "publish")
    assert published.status_code == 200, published.text
    assert (published.json()["status"], published.json()["published_at"]) == (
        "published",
        T0.isoformat().replace("+00:00", "Z"),
    )

    clock.set(T0 + DAY)
    await eventually(lambda: _status_is(client, manager, call, "open"))
    clock.set(T0 + 30 * DAY)
    await eventually(lambda: _status_is(client, manager, call, "closed"))

    page = (await client.get(f"/v1/calls/{call['id']}", headers=manager)).json()
    assert page["closed_cause"] == "deadline"
    assert page["opened_at"].startswith("2026-03-03T09:00:00")
    assert await event_types(app, call["id"]) == [
        "calls.CallDrafted",
        "calls.CallPublished",
        "calls.CallOpened",
        "calls.CallClosed",
    ]


async def _status_is(
    client: httpx.AsyncClient, headers: Headers, call: dict[str, Any], status: str
) -> bool:
    return await status_of(client, headers, call["id"]) == status


async def test_a_call_published_after_its_opening_instant_opens_at_once(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    clock.set(T0 + 2 * DAY)
    published = await act(client, manager, call, "publish")
    assert published.json()["status"] == "open"
    assert published.json()["version"] == 3


async def test_the_deadline_is_extended_only_to_a_later_instant_and_only_before_closing(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    await act(client, manager, call, "publish")
    clock.set(T0 + 2 * DAY)
    await eventually(lambda: _status_is(client, manager, call, "open"))

    earlier = await act(
        client, manager, call, "extend-deadline", closes_at=iso(T0 + 29 * DAY), reason="typo"
    )
    assert_problem(earlier, 409, "deadline_not_later")
    same = await act(
        client,
        manager,
        call,
        "extend-deadline",
        closes_at="2026-04-01T11:00:00+02:00",
        reason="the same instant",
    )
    assert_problem(same, 409, "deadline_not_later")
    later = await act(
        client,
        manager,
        call,
        "extend-deadline",
        closes_at="2026-04-15T18:00:00+02:00",
        reason="Easter holidays",
    )
    assert later.status_code == 200, later.text
    assert later.json()["closes_at"] == "2026-04-15T16:00:00Z"  # stored and answered in UTC

    clock.set(T0 + 30 * DAY)  # the old deadline: still open
    assert await status_of(client, manager, call["id"]) == "open"
    clock.set(T0 + 45 * DAY)
    await eventually(lambda: _status_is(client, manager, call, "closed"))
    after = await act(
        client, manager, call, "extend-deadline", closes_at=iso(T0 + 60 * DAY), reason="too late"
    )
    assert_problem(after, 409, "call_closed")


async def test_the_budget_is_amended_within_the_programme_and_the_programme_follows(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    programme = await new_programme(client, manager, budget_cents=1_000_000 * EUR)
    call = await new_call(client, manager, programme["id"])
    await act(client, manager, call, "publish")

    raised = await act(
        client,
        manager,
        call,
        "amend-budget",
        budget_cents=900_000 * EUR,
        reason="co-financing arrived",
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["budget_cents"] == 900_000 * EUR
    too_much = await act(
        client, manager, call, "amend-budget", budget_cents=1_000_001 * EUR, reason="more"
    )
    body = assert_problem(too_much, 409, "programme_budget_exceeded")
    assert body["remaining_cents"] == 1_000_000 * EUR
    below_grants = await act(
        client, manager, call, "amend-budget", budget_cents=50_000 * EUR, reason="cut"
    )
    assert "max_grant_above_budget" in [
        e["type"] for e in assert_problem(below_grants, 422, "invalid_call")["errors"]
    ]
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert (page["carved_cents"], page["remaining_cents"]) == (900_000 * EUR, 100_000 * EUR)


async def test_an_open_call_is_closed_early_with_a_reason_and_not_twice(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
) -> None:
    programme = await new_programme(client, manager)
    call = await new_call(client, manager, programme["id"])
    assert_problem(await act(client, manager, call, "close", reason="early"), 409, "invalid_status")
    clock.set(T0 + 2 * DAY)
    await act(client, manager, call, "publish")
    closed = await act(client, manager, call, "close", reason="enough applications")
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closed_cause"]) == ("closed", "early")
    assert_problem(await act(client, manager, call, "close", reason="again"), 409, "call_closed")
    assert_problem(await act(client, manager, call, "cancel", reason="late"), 409, "call_closed")


async def test_a_cancelled_call_gives_its_budget_back_to_the_programme(
    client: httpx.AsyncClient,
    manager: Headers,
    clock: FixedClock,
) -> None:
    programme = await new_programme(client, manager, budget_cents=1_000_000 * EUR)
    drafted = await new_call(client, manager, programme["id"])
    published = await new_call(client, manager, programme["id"], budget_cents=300_000 * EUR)
    opened = await new_call(client, manager, programme["id"], budget_cents=100_000 * EUR)
    await act(client, manager, published, "publish")
    clock.set(T0 + 2 * DAY)
    await act(client, manager, opened, "publish")
    for call in (drafted, published, opened):
        cancelled = await act(client, manager, call, "cancel", reason="programme re-planned")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert (page["carved_cents"], page["call_budgets"]) == (0, [])
    assert_problem(await act(client, manager, drafted, "publish"), 409, "invalid_status")
    clock.set(T0 + 40 * DAY)  # the scheduler leaves cancelled calls alone
    await act(client, manager, published, "cancel", reason="twice")
    assert await status_of(client, manager, opened["id"]) == "cancelled"


async def test_drafts_are_seen_by_programme_managers_only(
    client: httpx.AsyncClient,
    manager: Headers,
    applicant: Headers,
) -> None:
    programme = await new_programme(client, manager)
    draft = await new_call(client, manager, programme["id"])
    public = await new_call(client, manager, programme["id"], budget_cents=200_000 * EUR)
    await act(client, manager, public, "publish")

    assert_problem(
        await client.get(f"/v1/calls/{draft['id']}", headers=applicant), 404, "not_found"
    )
    seen = (await client.get("/v1/calls", headers=applicant)).json()["items"]
    assert [c["id"] for c in seen] == [public["id"]]
    listed = (await client.get("/v1/calls", headers=manager)).json()["items"]
    assert [c["id"] for c in listed] == [draft["id"], public["id"]]
    assert_problem(await client.get("/v1/calls"), 401, "unauthorized")
    denied = await client.post("/v1/calls", json=call_body(programme["id"]), headers=applicant)
    assert_problem(denied, 403, "forbidden")
    assert_problem(await act(client, applicant, draft, "publish"), 403, "forbidden")


async def test_calls_are_listed_by_programme_status_and_kind_page_by_page(
    client: httpx.AsyncClient,
    manager: Headers,
) -> None:
    first = await new_programme(client, manager)
    other = await new_programme(client, manager)
    calls = [
        await new_call(client, manager, first["id"], budget_cents=100_000 * EUR) for _ in range(5)
    ]
    services = await new_call(
        client, manager, first["id"], kind="services", budget_cents=100_000 * EUR
    )
    await new_call(client, manager, other["id"])
    await act(client, manager, calls[0], "publish")

    seen, cursor = [], None
    while True:
        params = {"programme_id": first["id"], "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/calls", params=params, headers=manager)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in [*calls, services]]
    published = await client.get("/v1/calls", params={"status": "published"}, headers=manager)
    assert [c["id"] for c in published.json()["items"]] == [calls[0]["id"]]
    both = await client.get(
        "/v1/calls",
        params=[("status", "published"), ("status", "draft"), ("kind", "services")],
        headers=manager,
    )
    assert [c["id"] for c in both.json()["items"]] == [services["id"]]
    bad = await client.get("/v1/calls", params={"status": "sleeping"}, headers=manager)
    assert_problem(bad, 422, "invalid_input")


async def test_a_retried_command_with_the_same_idempotency_key_changes_nothing(
    client: httpx.AsyncClient,
    manager: Headers,
    app: FastAPI,
) -> None:
    programme = await new_programme(client, manager)
    headers = {**manager, "Idempotency-Key": "draft-ip-low-1"}
    body = call_body(programme["id"])
    first = await client.post("/v1/calls", json=body, headers=headers)
    again = await client.post("/v1/calls", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    other = await client.post("/v1/calls", json={**body, "title": "Other"}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")
    page = (await client.get(f"/v1/programmes/{programme['id']}", headers=manager)).json()
    assert page["carved_cents"] == body["budget_cents"]
