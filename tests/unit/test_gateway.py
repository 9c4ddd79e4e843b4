"""The gateway without any service behind it: sign-in settings, development tokens
(only outside production), the console's files and its own routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest

from cascade.gateway import create_gateway
from shared.settings import DEV_JWT_SECRET, Settings


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>console</title>")
    (tmp_path / "assets" / "app.js").write_text("console.log('hi')")
    return tmp_path


async def gateway(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_gateway(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://console"
        ) as client,
    ):
        yield client


@pytest.fixture
async def development(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in gateway(Settings(environment="development", console_dist=str(dist))):
        yield client


@pytest.fixture
async def production(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="production",
        console_dist=str(dist),
        jwt_secret="a-production-secret-of-enough-length-0123456789",
        integrity_key="a-production-integrity-key-of-enough-length-01",
        master_key="a-production-master-key-of-enough-length-0123",
        oidc_issuer="https://id.example.eu",
        oidc_client_id="console",
    )
    async for client in gateway(settings):
        yield client


async def test_development_mints_a_token_for_the_chosen_role_and_name(
    development: httpx.AsyncClient,
) -> None:
    answer = await development.post(
        "/api/dev/token", json={"role": "finance_officer", "sub": "anna", "name": "Anna Verdi"}
    )
    assert answer.status_code == 200, answer.text
    claims = jwt.decode(answer.json()["token"], DEV_JWT_SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["roles"], claims["name"]) == (
        "anna",
        ["finance_officer"],
        "Anna Verdi",
    )
    config = (await development.get("/api/config")).json()
    assert config == {"sign_in": "development", "oidc": None}


async def test_a_made_up_role_or_subject_is_refused_with_the_field_named(
    development: httpx.AsyncClient,
) -> None:
    answer = await development.post("/api/dev/token", json={"role": "admiral", "sub": "a b"})
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"role", "sub"}


async def test_production_refuses_development_tokens_and_names_its_issuer(
    production: httpx.AsyncClient,
) -> None:
    answer = await production.post("/api/dev/token", json={"role": "admin", "sub": "mallory"})
    assert (answer.status_code, answer.json()["code"]) == (403, "dev_sign_in_disabled")
    assert "token" not in answer.json()
    config = (await production.get("/api/config")).json()
    assert config["sign_in"] == "oidc"
    assert config["oidc"]["issuer"] == "https://id.example.eu"


async def test_the_console_is_served_with_its_own_routes_falling_back_to_the_app(
    development: httpx.AsyncClient,
) -> None:
    asset = await development.get("/assets/app.js")
    assert asset.text == "console.log('hi')"
    for route in ("/", "/manager/calls/123", "/signin/callback?code=x"):
        page = await development.get(route)
        assert (page.status_code, page.text) == (200, "<!doctype html><title>console</title>")
    outside = await development.get("/../../etc/passwd")
    assert "root:" not in outside.text


async def test_an_unknown_service_is_a_problem_not_a_page(development: httpx.AsyncClient) -> None:
    answer = await development.get("/api/ledgers/v1/anything")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


async def test_a_service_that_is_down_is_named_in_a_503(dist: Path) -> None:
    # Port 9 (discard): nothing listens there on a test machine.
    settings = Settings(console_dist=str(dist), calls_url="http://127.0.0.1:9")
    async for client in gateway(settings):
        answer = await client.get("/api/calls/v1/public/calls")
        assert (answer.status_code, answer.json()["code"]) == (503, "service_unavailable")
