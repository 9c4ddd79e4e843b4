"""The roles and the development tokens (HS256 with the configured secret)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

import jwt

from shared.settings import Settings

Role = Literal[
    "applicant",
    "evaluator",
    "programme_manager",
    "finance_officer",
    "auditor",
    "admin",
    "reviewer",
]
ROLES: tuple[str, ...] = get_args(Role)


def mint_token(
    settings: Settings,
    sub: str,
    roles: Sequence[str],
    *,
    name: str | None = None,
    lifetime: timedelta = timedelta(hours=12),
) -> str:
    """A development token (HS256 with the configured secret) for `sub` with `roles`."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}: choose from {', '.join(ROLES)}")
    if settings.jwt_jwks_url:
        raise ValueError("the services verify tokens against a JWKS URL: ask its issuer for one")
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": sub,
        "roles": list(roles),
        "iat": now,
        "exp": now + lifetime,
    }
    if name:
        claims["name"] = name
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
