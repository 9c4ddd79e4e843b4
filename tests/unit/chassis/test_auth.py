"""Bearer tokens without any I/O: decoding, roles, expiry, secrets, algorithms."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from shared.auth import Principal, TokenVerifier, mint_token, require_roles
from shared.errors import Forbidden, Unauthorized
from shared.settings import Settings

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def settings(**overrides: Any) -> Settings:
    # Every token setting stated, so the shell's CASCADE_* variables cannot leak in.
    values: dict[str, Any] = {
        "environment": "test",
        "jwt_secret": SECRET,
        "jwt_jwks_url": None,
        "jwt_issuer": None,
        "jwt_audience": None,
    }
    return Settings(**{**values, **overrides})


def signed(
    claims: dict[str, Any],
    *,
    secret: str = SECRET,
    expires_in: timedelta | None = timedelta(minutes=5),
) -> str:
    if expires_in is not None:
        claims = {"exp": datetime.now(UTC) + expires_in, **claims}
    return jwt.encode(claims, secret, algorithm="HS256")


def unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_a_minted_token_gives_its_subject_roles_and_name() -> None:
    token = mint_token(settings(), "alice", ["programme_manager", "auditor"], name="Alice")
    principal = await TokenVerifier(settings()).authenticate(token)
    assert principal == Principal(
        sub="alice", roles=frozenset({"programme_manager", "auditor"}), name="Alice"
    )
    assert principal.actor.roles == ("auditor", "programme_manager")


async def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = signed({"sub": "alice", "roles": ["admin"]}, secret="another-secret-" + "x" * 32)
    with pytest.raises(Unauthorized, match="(?i)signature"):
        await TokenVerifier(settings()).authenticate(token)


async def test_an_expired_token_is_refused() -> None:
    token = signed({"sub": "alice", "roles": ["admin"]}, expires_in=-timedelta(minutes=2))
    with pytest.raises(Unauthorized, match="expired"):
        await TokenVerifier(settings()).authenticate(token)


async def test_a_token_expired_within_the_clock_skew_leeway_is_accepted() -> None:
    token = signed({"sub": "alice", "roles": ["admin"]}, expires_in=-timedelta(seconds=5))
    assert (await TokenVerifier(settings()).authenticate(token)).sub == "alice"


async def test_a_token_without_expiry_is_refused() -> None:
    token = signed({"sub": "alice", "roles": ["admin"]}, expires_in=None)
    with pytest.raises(Unauthorized, match="exp"):
        await TokenVerifier(settings()).authenticate(token)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "", "roles": ["admin"]},
        {"sub": "alice", "roles": "admin"},  # a string would otherwise read as its letters
        {"sub": "alice", "roles": [1]},
        {"sub": "alice", "roles": ["admin"], "name": 7},
    ],
)
async def test_a_token_with_malformed_claims_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(settings()).authenticate(signed(claims))


async def test_an_unsigned_token_is_refused() -> None:
    token = unsigned(
        {
            "sub": "mallory",
            "roles": ["admin"],
            "exp": int((datetime.now(UTC) + timedelta(hours=1)).timestamp()),
        }
    )
    with pytest.raises(Unauthorized, match="HS256"):
        await TokenVerifier(settings()).authenticate(token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "Bearer x.y.z"])
async def test_a_token_that_is_no_jwt_is_refused(token: str) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(settings()).authenticate(token)


async def test_an_hs256_token_is_refused_when_tokens_are_verified_against_a_jwks() -> None:
    # The URL is never fetched: the algorithm is refused before any key lookup.
    verifier = TokenVerifier(settings(jwt_jwks_url="http://127.0.0.1:9/jwks.json"))
    with pytest.raises(Unauthorized, match="RS256"):
        await verifier.authenticate(signed({"sub": "alice", "roles": ["admin"]}))


async def test_roles_outside_cascade_grant_nothing() -> None:
    token = signed({"sub": "alice", "roles": ["offline_access", "evaluator"]})
    principal = await TokenVerifier(settings()).authenticate(token)
    assert principal.roles == frozenset({"evaluator"})


async def test_issuer_and_audience_are_checked_when_configured() -> None:
    verifier = TokenVerifier(settings(jwt_issuer="https://id.cascade.eu", jwt_audience="cascade"))
    good = {"sub": "alice", "roles": [], "iss": "https://id.cascade.eu", "aud": "cascade"}
    assert (await verifier.authenticate(signed(good))).sub == "alice"
    for wrong in ({"iss": "https://evil.example"}, {"aud": "another-app"}, {"iss": None}):
        claims = {k: v for k, v in {**good, **wrong}.items() if v is not None}
        with pytest.raises(Unauthorized):
            await verifier.authenticate(signed(claims))


async def test_without_a_configured_audience_any_audience_is_accepted() -> None:
    token = signed({"sub": "alice", "roles": [], "aud": "account"})
    assert (await TokenVerifier(settings()).authenticate(token)).sub == "alice"


def test_minting_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError, match="superuser"):
        mint_token(settings(), "alice", ["superuser"])


async def test_require_roles_lets_a_holder_of_any_of_the_roles_through() -> None:
    check = require_roles("auditor", "admin")
    admin = Principal(sub="root", roles=frozenset({"admin"}))
    assert await check(admin) is admin
    with pytest.raises(Forbidden):
        await check(Principal(sub="alice", roles=frozenset({"programme_manager"})))
    with pytest.raises(Forbidden):
        await check(Principal(sub="nobody"))


def test_require_roles_refuses_a_misspelt_role_when_the_route_is_defined() -> None:
    with pytest.raises(ValueError, match="auditer"):
        require_roles("auditer")  # type: ignore[arg-type]
