"""The HTTP conventions every service gets from create_app, on a tiny counters
service over a migrated PostgreSQL database: auth, problems, optimistic
concurrency, idempotency and pagination. The event feed: test_event_feed.py."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from shared.auth import mint_token
from shared.settings import Settings
from tests.support.api import PROBLEM, assert_problem, auth, create, event_count

# --- authentication and roles ----------------------------------------------------


def expired(settings: Settings) -> str:
    claims = {
        "sub": "alice",
        "roles": ["programme_manager"],
        "exp": datetime.now(UTC) - timedelta(hours=1),
    }
    return "Bearer " + jwt.encode(claims, settings.jwt_secret.get_secret_value(), "HS256")


def wrong_secret(settings: Settings) -> str:
    return "Bearer " + mint_token(Settings(jwt_secret="x" * 40), "alice", ["programme_manager"])


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-jwt",
        "Basic YWxpY2U6c2VjcmV0",
        expired,
        wrong_secret,
    ],
)
async def test_a_request_without_a_valid_token_is_401_with_a_problem_body(
    client: httpx.AsyncClient,
    settings: Settings,
    authorization: Any,
) -> None:
    if callable(authorization):
        authorization = authorization(settings)
    headers = {"Authorization": authorization} if authorization else {}
    for response in (
        await client.get("/v1/counters", headers=headers),
        await client.post("/v1/counters", json={"name": "c"}, headers=headers),
    ):
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_signed_in_user_without_the_role_is_403(
    client: httpx.AsyncClient,
    settings: Settings,
    app: FastAPI,
) -> None:
    response = await client.post(
        "/v1/counters", json={"name": "c"}, headers=auth(settings, "applicant", "auditor")
    )
    assert_problem(response, 403, "forbidden")
    assert await event_count(app) == 0


# --- invalid input ------------------------------------------------------------------


async def test_an_invalid_body_is_422_with_one_error_per_field(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    response = await client.post("/v1/counters", json={"name": "", "extra": 1}, headers=manager)
    body = assert_problem(response, 422, "invalid_input")
    assert body["errors"] == [
        {"field": "name", "message": body["errors"][0]["message"], "type": "string_too_short"}
    ]
    response = await client.post("/v1/counters", json={}, headers=manager)
    assert assert_problem(response, 422, "invalid_input")["errors"][0]["type"] == "missing"


NUL_NAME = json.dumps({"name": "a\u0000b"})
BAD_INPUT: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("POST", "/v1/counters", {"content": b'{"name": '}, 422, "body"),
    (
        "POST",
        "/v1/counters",
        {"content": b"name=c", "headers": {"content-type": "text/plain"}},
        422,
        "body",
    ),
    ("POST", "/v1/counters", {"content": b""}, 422, "body"),
    ("POST", "/v1/counters", {"content": b"[" * 100_000}, 400, ""),
    ("POST", "/v1/counters", {"content": NUL_NAME}, 422, ""),
    (
        "POST",
        "/v1/counters",
        {"json": {"name": "c"}, "headers": {"Idempotency-Key": "k" * 300}},
        422,
        "header.Idempotency-Key",
    ),
    (
        "POST",
        "/v1/counters",
        {"json": {"name": "c"}, "headers": {"Idempotency-Key": "a key"}},
        422,
        "header.Idempotency-Key",
    ),
    (
        "POST",
        "/v1/counters/0193a000-0000-7000-8000-000000000000/increment",
        {"json": {"by": 1}, "headers": {"If-Match": "three"}},
        422,
        "header.If-Match",
    ),
    (
        "POST",
        "/v1/counters/0193a000-0000-7000-8000-000000000000/increment",
        {"json": {"by": "many"}},
        422,
        "by",
    ),
    ("GET", "/v1/counters/not-a-uuid", {}, 422, "path.counter_id"),
    ("GET", "/v1/counters/%00", {}, 422, "path.counter_id"),
    ("GET", "/v1/counters/0193a000-0000-7000-8000-000000000000", {}, 404, ""),
    ("GET", "/v1/counters?limit=501", {}, 422, "query.limit"),
    ("GET", "/v1/counters?limit=0", {}, 422, "query.limit"),
    ("GET", "/v1/counters?limit=" + "9" * 40, {}, 422, "query.limit"),
    ("GET", "/v1/counters?limit=ten", {}, 422, "query.limit"),
    ("GET", "/v1/counters?cursor=" + "A" * 2000, {}, 422, "query.cursor"),
    ("PUT", "/v1/counters", {"json": {}}, 405, ""),
]


@pytest.mark.parametrize(("method", "path", "request_args", "status", "field"), BAD_INPUT)
async def test_bad_input_is_a_4xx_problem_never_a_500(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
    method: str,
    path: str,
    request_args: dict[str, Any],
    status: int,
    field: str,
) -> None:
    headers = {"content-type": "application/json", **manager, **request_args.pop("headers", {})}
    response = await client.request(method, path, headers=headers, **request_args)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if status == 422:
        errors = response.json()["errors"]
        assert all(set(e) == {"field", "message", "type"} for e in errors)
        if field:
            assert field in [e["field"] for e in errors]
    assert await event_count(app) == 0


# --- commands: version, event ids, ETag, Location -------------------------------------


async def test_a_command_answers_its_version_and_event_ids_with_etag_and_location(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    response = await client.post("/v1/counters", json={"name": "visits"}, headers=manager)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["value"], body["version"]) == ("visits", 0, 1)
    assert len(body["event_ids"]) == 1
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/counters/{body['id']}"
    read = await client.get(response.headers["location"], headers=manager)
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == {"id": body["id"], "name": "visits", "value": 0, "version": 1}


async def test_an_if_match_of_the_current_version_lets_the_command_through(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    counter = await create(client, manager)
    for if_match, version in (('"1"', 2), ("*", 3), ('W/"3"', 4)):
        response = await client.post(
            f"/v1/counters/{counter['id']}/increment",
            json={"by": 2},
            headers={**manager, "If-Match": if_match},
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"{version}"'
        assert response.json()["version"] == version
        assert len(response.json()["event_ids"]) == 1


async def test_a_stale_if_match_is_409_version_conflict_and_records_nothing(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    counter = await create(client, manager)
    path = f"/v1/counters/{counter['id']}/increment"
    await client.post(path, json={"by": 1}, headers=manager)
    stale = await client.post(path, json={"by": 5}, headers={**manager, "If-Match": '"1"'})
    body = assert_problem(stale, 409, "version_conflict")
    assert (body["expected_version"], body["actual_version"]) == (1, 2)
    assert await event_count(app) == 2


async def test_a_command_overtaken_by_a_concurrent_one_is_409_when_it_named_a_version(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    counter = await create(client, manager)
    path = f"/v1/counters/{counter['id']}/increment"
    # Both load version 1 and hold their transactions; the store refuses the later append.
    headers = {**manager, "If-Match": '"1"'}
    responses = await asyncio.gather(
        *(client.post(path, json={"by": 1, "hold_ms": 300}, headers=headers) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert_problem(next(r for r in responses if r.status_code == 409), 409, "version_conflict")
    assert await event_count(app) == 2


async def test_a_command_without_if_match_is_decided_again_after_losing_a_race(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    counter = await create(client, manager)
    path = f"/v1/counters/{counter['id']}/increment"
    responses = await asyncio.gather(
        *(client.post(path, json={"by": 1, "hold_ms": 300}, headers=manager) for _ in range(2))
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert sorted(r.json()["version"] for r in responses) == [2, 3]
    final = await client.get(f"/v1/counters/{counter['id']}", headers=manager)
    assert final.json()["value"] == 2
    assert await event_count(app) == 3


# --- idempotency ----------------------------------------------------------------------


async def test_a_retry_with_the_same_key_returns_the_first_response_and_records_nothing(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    headers = {**manager, "Idempotency-Key": "create-visits", "content-type": "application/json"}
    first = await client.post("/v1/counters", content=b'{"name": "visits"}', headers=headers)
    # The same JSON, serialised another way, is the same request.
    retry = await client.post("/v1/counters", content=b'{ "name":"visits" }', headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    for header in ("etag", "location", "content-type"):
        assert retry.headers[header] == first.headers[header]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await event_count(app) == 1


async def test_the_same_key_with_another_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    headers = {**manager, "Idempotency-Key": "k-1"}
    await client.post("/v1/counters", json={"name": "visits"}, headers=headers)
    reused = await client.post("/v1/counters", json={"name": "clicks"}, headers=headers)
    body = assert_problem(reused, 422, "idempotency_key_reused")
    assert body["errors"][0]["field"] == "header.Idempotency-Key"
    assert await event_count(app) == 1


async def test_idempotency_keys_belong_to_each_caller(
    client: httpx.AsyncClient,
    settings: Settings,
    app: FastAPI,
) -> None:
    for sub in ("alice", "bob"):
        headers = {**auth(settings, "programme_manager", sub=sub), "Idempotency-Key": "same"}
        response = await client.post("/v1/counters", json={"name": "c"}, headers=headers)
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers
    assert await event_count(app) == 2


async def test_concurrent_requests_with_the_same_key_execute_once(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    app: FastAPI,
) -> None:
    counter = await create(client, manager)
    headers = {**manager, "Idempotency-Key": "inc-1"}
    # The first holds its transaction open; the others wait on the key, then replay.
    responses = await asyncio.gather(
        *(
            client.post(
                f"/v1/counters/{counter['id']}/increment",
                json={"by": 1, "hold_ms": 300},
                headers=headers,
            )
            for _ in range(5)
        )
    )
    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.content for r in responses}) == 1
    assert sum("idempotent-replayed" in r.headers for r in responses) == 4
    assert responses[0].json()["value"] == 1
    assert await event_count(app) == 2


async def test_a_refused_command_is_not_replayed_so_its_key_can_be_retried(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    counter = await create(client, manager)
    path = f"/v1/counters/{counter['id']}/increment"
    headers = {**manager, "Idempotency-Key": "inc-after-read"}
    stale = await client.post(path, json={"by": 1}, headers={**headers, "If-Match": '"7"'})
    assert_problem(stale, 409, "version_conflict")
    retry = await client.post(path, json={"by": 1}, headers={**headers, "If-Match": '"1"'})
    assert retry.status_code == 200
    assert retry.json()["version"] == 2


# --- pagination -----------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 4, 6, 50])
async def test_pages_walk_every_item_exactly_once(
    client: httpx.AsyncClient,
    manager: dict[str, str],
    limit: int,
) -> None:
    created = [(await create(client, manager, f"c{n}"))["id"] for n in range(6)]
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/counters", params=params, headers=manager)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        assert 0 < len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(created)
    assert pages == -(-6 // limit)


async def test_the_default_page_is_fifty_items(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    await create(client, manager)
    page = (await client.get("/v1/counters", headers=manager)).json()
    assert len(page["items"]) == 1
    assert page["next_cursor"] is None


def tampered(cursor: str) -> list[str]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = base64.urlsafe_b64encode(raw.replace(b"-", b"x")).decode().rstrip("=")
    return [cursor[:-2], cursor + "!", "x" + cursor, forged, "bm90IGEgY3Vyc29y"]


async def test_a_tampered_cursor_is_422_invalid_cursor(
    client: httpx.AsyncClient,
    manager: dict[str, str],
) -> None:
    for n in range(2):
        await create(client, manager, f"c{n}")
    cursor = (await client.get("/v1/counters?limit=1", headers=manager)).json()["next_cursor"]
    for bad in tampered(cursor):
        response = await client.get("/v1/counters", params={"cursor": bad}, headers=manager)
        body = assert_problem(response, 422, "invalid_cursor")
        assert body["errors"][0]["field"] == "query.cursor"
