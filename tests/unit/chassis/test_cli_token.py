"""`cascade token` prints a development token alone on standard output."""

from __future__ import annotations

import jwt
from typer.testing import CliRunner

from cascade.cli.main import app
from shared.auth import TokenVerifier
from shared.settings import Settings

SECRET = "a-cli-test-secret-that-is-long-enough-0123456"
# The shell running the tests may configure a JWKS or an issuer: not here.
ENV = {
    "CASCADE_ENVIRONMENT": "development",
    "CASCADE_JWT_SECRET": SECRET,
    "CASCADE_JWT_JWKS_URL": None,
    "CASCADE_JWT_ISSUER": None,
    "CASCADE_JWT_AUDIENCE": None,
}


async def test_prints_one_jwt_carrying_the_subject_and_role() -> None:
    result = CliRunner().invoke(
        app, ["token", "--role", "programme_manager", "--sub", "alice"], env=ENV
    )
    assert result.exit_code == 0, result.stderr
    [token] = result.stdout.splitlines()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == "alice"
    assert claims["roles"] == ["programme_manager"]
    principal = await TokenVerifier(Settings(jwt_secret=SECRET)).authenticate(token)
    assert principal.roles == frozenset({"programme_manager"})


def test_repeated_roles_and_a_name_end_up_in_the_token() -> None:
    result = CliRunner().invoke(
        app,
        ["token", "--role", "auditor", "--role", "admin", "--sub", "ada", "--name", "Ada L."],
        env=ENV,
    )
    assert result.exit_code == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"])
    assert (claims["roles"], claims["name"]) == (["auditor", "admin"], "Ada L.")


def test_an_unknown_role_fails_with_one_line_and_prints_no_token() -> None:
    result = CliRunner().invoke(app, ["token", "--role", "root", "--sub", "alice"], env=ENV)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "unknown role(s) root" in result.stderr
