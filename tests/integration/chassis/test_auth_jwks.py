"""RS256 tokens verified against a JWKS served over HTTP from 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth import TokenVerifier
from shared.errors import AuthUnavailable, Unauthorized
from shared.settings import Settings


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class JwksServer:
    """Serves `keys` as a JWKS at /jwks.json and counts the fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                jwks = {
                    "keys": [
                        {
                            **RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
                            "kid": kid,
                            "alg": "RS256",
                            "use": "sig",
                        }
                        for kid, key in outer.keys.items()
                    ]
                }
                body = json.dumps(jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/jwks.json"


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    thread = threading.Thread(target=server.http.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.http.shutdown()
        server.http.server_close()
        thread.join()


def verifier(url: str) -> TokenVerifier:
    return TokenVerifier(
        Settings(environment="test", jwt_jwks_url=url, jwt_issuer=None, jwt_audience=None)
    )


def token(key: rsa.RSAPrivateKey, kid: str, sub: str = "alice") -> str:
    claims = {"sub": sub, "roles": ["auditor"], "exp": datetime.now(UTC) + timedelta(minutes=5)}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_an_rs256_token_is_verified_with_a_key_fetched_once(jwks: JwksServer) -> None:
    jwks.keys["k1"] = key = new_key()
    tokens = verifier(jwks.url)
    assert (await tokens.authenticate(token(key, "k1"))).sub == "alice"
    assert (await tokens.authenticate(token(key, "k1", sub="bob"))).sub == "bob"
    assert jwks.fetches == 1


async def test_tokens_naming_unknown_keys_do_not_make_each_request_fetch_again(
    jwks: JwksServer,
) -> None:
    jwks.keys["k1"] = key = new_key()
    tokens = verifier(jwks.url)
    await tokens.authenticate(token(key, "k1"))
    for n in range(5):
        with pytest.raises(Unauthorized, match="signing key"):
            await tokens.authenticate(token(new_key(), f"forged-{n}"))
    assert jwks.fetches == 1


async def test_a_token_signed_by_a_key_outside_the_jwks_is_refused(jwks: JwksServer) -> None:
    jwks.keys["k1"] = new_key()
    with pytest.raises(Unauthorized, match="(?i)signature"):
        await verifier(jwks.url).authenticate(token(new_key(), "k1"))


async def test_a_token_naming_an_unknown_key_is_refused(jwks: JwksServer) -> None:
    jwks.keys["k1"] = new_key()
    with pytest.raises(Unauthorized, match="signing key"):
        await verifier(jwks.url).authenticate(token(new_key(), "k9"))


async def test_an_unreachable_jwks_is_reported_as_unavailable_not_as_a_bad_token(
    jwks: JwksServer,
) -> None:
    url = jwks.url
    jwks.http.shutdown()
    jwks.http.server_close()
    with pytest.raises(AuthUnavailable) as refused:
        await verifier(url).authenticate(token(new_key(), "k1"))
    assert (refused.value.status, refused.value.code) == (503, "auth_unavailable")
