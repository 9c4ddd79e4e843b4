"""The console's one origin: the built single-page app, `/api/<service>/...` routed
to the four services, the sign-in settings, and development tokens outside production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cascade.services import NAMES
from shared.problems import problem
from shared.settings import Settings
from shared.tokens import ROLES, Role, mint_token

GATEWAY = "gateway"  # its name among the processes `cascade up` runs

# Hop-by-hop headers (RFC 9110 7.6.1) stay on their own connection.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
DEFAULT_DIST = Path(__file__).resolve().parent.parent / "console" / "dist"


class DevelopmentSignIn(BaseModel):
    role: Role
    sub: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._@-]+$")
    name: str | None = Field(default=None, max_length=200)


def console_dist(settings: Settings) -> Path:
    return Path(settings.console_dist) if settings.console_dist else DEFAULT_DIST


def create_gateway(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The gateway app; `transport` lets a test route the upstream calls itself."""
    dist = console_dist(settings)
    upstream = {service: settings.url_of(service) for service in NAMES}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            transport=transport, timeout=httpx.Timeout(60.0, connect=5.0), follow_redirects=False
        ) as client:
            app.state.client = client
            yield

    async def config(_: Request) -> Response:
        oidc = None
        if settings.oidc_issuer:
            oidc = {
                "issuer": settings.oidc_issuer,
                "client_id": settings.oidc_client_id,
                "scope": settings.oidc_scope,
                "resource": settings.oidc_resource,
            }
        return JSONResponse({"sign_in": "oidc" if oidc else "development", "oidc": oidc})

    async def development_token(request: Request) -> Response:
        if not settings.development_sign_in:
            return problem(
                403,
                "dev_sign_in_disabled",
                "Development sign-in is off",
                "development tokens exist only outside production, without an "
                "identity provider; sign in with the configured issuer",
            )
        try:
            body = DevelopmentSignIn.model_validate_json(await request.body())
        except ValidationError as exc:
            errors = [
                {
                    "field": ".".join(str(p) for p in e["loc"]),
                    "message": e["msg"],
                    "type": e["type"],
                }
                for e in exc.errors()
            ]
            return problem(
                422,
                "invalid_input",
                "Invalid input",
                f"choose a role among {', '.join(ROLES)} and a user id",
                errors=errors,
            )
        token = mint_token(settings, body.sub, [body.role], name=body.name)
        return JSONResponse({"token": token, "token_type": "Bearer"})

    async def route(request: Request) -> Response:
        service = request.path_params["service"]
        if service not in upstream:
            return problem(404, "not_found", "Not found", f"no service {service!r} behind /api")
        client: httpx.AsyncClient = request.app.state.client
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        headers.append(("x-forwarded-prefix", f"/api/{service}"))
        outgoing = client.build_request(
            request.method,
            f"{upstream[service]}/{request.path_params['path']}",
            params=request.url.query,
            headers=headers,
            content=request.stream(),
        )
        try:
            answer = await client.send(outgoing, stream=True)
        except ClientDisconnect:
            # The browser went away (a page left mid-request): no one to answer.
            return Response(status_code=499)
        except httpx.HTTPError:
            return problem(
                503,
                "service_unavailable",
                "Service unavailable",
                f"the {service} service cannot be reached",
            )
        kept = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
        }
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=kept,
            background=BackgroundTask(answer.aclose),
        )

    async def healthy(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        # Ready when it has a console to serve; the services answer their own /readyz.
        if not (dist / "index.html").is_file():
            return JSONResponse(
                {"status": "unavailable", "reason": "console not built"}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    async def static(request: Request) -> Response:
        wanted = (dist / request.path_params.get("path", "")).resolve()
        if wanted.is_file() and wanted.is_relative_to(dist.resolve()):
            return FileResponse(wanted)
        index = dist / "index.html"
        if not index.is_file():
            return problem(
                404,
                "console_not_built",
                "The console is not built",
                f"no {index}: run `npm ci && npm run build` in console/ (make up does)",
            )
        # Any other path is one of the app's own routes: it reads the address itself.
        return FileResponse(index, headers={"cache-control": "no-cache"})

    routes: list[Any] = [
        Route("/healthz", healthy, methods=["GET"]),
        Route("/readyz", ready, methods=["GET"]),
        Route("/api/config", config, methods=["GET"]),
        Route("/api/dev/token", development_token, methods=["POST"]),
        Route(
            "/api/{service}/{path:path}",
            route,
            methods=["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"],
        ),
        Route("/{path:path}", static, methods=["GET", "HEAD"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve_gateway(settings: Settings, port: int | None = None) -> None:
    import uvicorn

    from shared.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format, GATEWAY)
    uvicorn.run(
        create_gateway(settings),
        host=settings.host,
        port=port or settings.gateway_port,
        log_config=None,
    )
