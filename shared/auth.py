"""Who is calling: bearer JWTs (HS256 with the shared secret, or RS256 against a
JWKS URL), the roles they carry, and the FastAPI dependencies routes declare."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import AuthUnavailable, Forbidden, Unauthorized
from shared.events import Actor
from shared.settings import Settings

# The roles and the development tokens live apart, so that `cascade token` starts fast.
from shared.tokens import ROLES as ROLES
from shared.tokens import Role as Role
from shared.tokens import mint_token as mint_token

# Tolerated clock skew between the token issuer and this service.
LEEWAY = timedelta(seconds=30)


class Principal(BaseModel):
    """The signed-in caller, as the token vouches for them."""

    model_config = ConfigDict(frozen=True)

    sub: str = Field(min_length=1)
    roles: frozenset[Role] = frozenset()
    name: str | None = None

    def has_any_role(self, roles: frozenset[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def actor(self) -> Actor:
        """Who the events of this caller's commands name."""
        return Actor(sub=self.sub, roles=tuple(sorted(self.roles)))


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """The principal a verified token describes; Unauthorized if the claims are malformed.

    Unknown roles are dropped rather than refused: an identity provider may put
    roles of other applications in the same token."""
    sub, roles, name = claims.get("sub"), claims.get("roles", []), claims.get("name")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("the token has no subject")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("the token's roles claim is not a list of strings")
    if name is not None and not isinstance(name, str):
        raise Unauthorized("the token's name claim is not a string")
    known = frozenset(r for r in roles if r in ROLES)
    return Principal.model_validate({"sub": sub, "roles": known, "name": name})


class TokenVerifier:
    """Verifies bearer tokens against the configured secret or JWKS URL.

    One per app: the JWKS client caches the key set for five minutes and fetches
    again early for a key id it does not know (key rotation), at most once per
    30 s cool-down, so tokens naming made-up keys cannot flood the provider."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if settings.jwt_jwks_url
            else None
        )
        self.algorithm = "RS256" if self._jwks else "HS256"

    async def authenticate(self, token: str) -> Principal:
        """The principal of a valid token; Unauthorized for any other token."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthorized("the bearer token is not a JWT") from None
        # Checked before any key lookup, so "alg": "none" or an HS256 token
        # signed with a public key never reaches a verifier.
        if header.get("alg") != self.algorithm:
            raise Unauthorized(f"the token must be signed with {self.algorithm}")
        key: Any = self._settings.jwt_secret.get_secret_value()
        if self._jwks is not None:
            key = await self._signing_key(self._jwks, token)
        return principal_from_claims(self._decode(token, key))

    async def _signing_key(self, jwks: jwt.PyJWKClient, token: str) -> Any:
        try:
            # PyJWKClient fetches with blocking urllib when its cache misses.
            return (await asyncio.to_thread(jwks.get_signing_key_from_jwt, token)).key
        except jwt.PyJWKClientConnectionError:
            raise AuthUnavailable(
                "the identity provider's signing keys cannot be fetched"
            ) from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            raise Unauthorized("the token's signing key is unknown") from None

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        audience = self._settings.jwt_audience
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],
                leeway=LEEWAY,
                issuer=self._settings.jwt_issuer,
                audience=audience,
                # Without a configured audience, any `aud` is accepted: PyJWT would
                # otherwise refuse every token whose provider sets one.
                options={"require": ["exp", "sub"], "verify_aud": audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None
        return claims


def install(app: FastAPI, settings: Settings) -> None:
    """Give the app its token verifier (no I/O: keys are fetched on first use)."""
    app.state.token_verifier = TokenVerifier(settings)


# auto_error=False: a missing token must leave as our 401 problem, not FastAPI's.
_bearer = HTTPBearer(auto_error=False, description="A JWT with claims sub, roles and name.")


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of this request; 401 without a valid bearer token."""
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.authenticate(credentials.credentials)


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the caller if they hold one of `roles`, else 403.

    Use it through an alias: `Auditor = Annotated[Principal, Depends(require_roles("auditor"))]`.
    """
    wanted = frozenset(roles)
    if not wanted or not wanted <= set(ROLES):
        raise ValueError(f"require_roles needs roles among {', '.join(ROLES)}, got {roles}")

    async def caller_with_role(user: CurrentUser) -> Principal:
        if not user.has_any_role(wanted):
            raise Forbidden(f"this needs one of the roles {', '.join(sorted(wanted))}")
        return user

    return caller_with_role


# Who may call what, defined once for every service: a route declares `_: Auditor`.
STAFF: frozenset[Role] = frozenset({"programme_manager", "finance_officer", "auditor", "admin"})
"""The staff roles, who read across organisations (applicants read their own)."""

Applicant = Annotated[Principal, Depends(require_roles("applicant"))]
Evaluator = Annotated[Principal, Depends(require_roles("evaluator"))]
# An independent observer deciding review requests, never one of the application's evaluators.
Reviewer = Annotated[Principal, Depends(require_roles("reviewer"))]
ProgrammeManager = Annotated[Principal, Depends(require_roles("programme_manager"))]
FinanceOfficer = Annotated[Principal, Depends(require_roles("finance_officer"))]
Auditor = Annotated[Principal, Depends(require_roles("auditor"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
AuditorOrAdmin = Annotated[Principal, Depends(require_roles("auditor", "admin"))]
ManagerOrAuditor = Annotated[Principal, Depends(require_roles("programme_manager", "auditor"))]
ApplicantOrManager = Annotated[Principal, Depends(require_roles("applicant", "programme_manager"))]
EvaluatorOrManager = Annotated[Principal, Depends(require_roles("evaluator", "programme_manager"))]
Bookkeeper = Annotated[
    Principal, Depends(require_roles("finance_officer", "programme_manager", "auditor"))
]
Staff = Annotated[Principal, Depends(require_roles(*sorted(STAFF)))]
