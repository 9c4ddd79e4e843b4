"""A whole stack for the console's browser tests: the session's own PostgreSQL and
broker, the four services as processes, and the gateway serving the built console.

With `--oidc-issuer URL --oidc-gateway-port N` it also runs the production side of
sign-in: a calls service that trusts only the issuer's keys (its own database and
topics) behind a second gateway in production mode, which refuses development tokens.

Prints one JSON line (`{"url": ...}`) once everything answers, then runs until its
standard input closes or it gets SIGTERM; `console/e2e/global-setup.ts` starts it."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import uvicorn

from cascade.cli.up import Stack, spawn
from cascade.gateway import create_gateway
from cascade.local.broker import LocalBroker, free_port
from cascade.local.postgres import EmbeddedPostgres
from cascade.migrate import migrate
from cascade.services import ensure_topics
from shared.settings import Settings
from tests.support.stack import ServiceStack, stack_settings

AUDIENCE = "urn:cascade:api"  # the resource the provider issues access tokens for


def start_gateway(settings: Settings) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(
            create_gateway(settings),
            host="127.0.0.1",
            port=settings.gateway_port,
            log_level="warning",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def production_side(
    settings: Settings, issuer: str, gateway_port: int, state: Path, extra: Stack
) -> tuple[Settings, uvicorn.Server]:
    """A calls service verifying the issuer's JWKS, and a production gateway before it."""
    integrity_key = secrets.token_urlsafe(48)
    master_key = secrets.token_urlsafe(48)
    trusting = Settings(
        **{
            **settings.model_dump(),
            **{
                "environment": "production",
                "database_prefix": f"{settings.database_prefix}oidc",
                "topic_prefix": f"{settings.database_prefix}oidc.",
                "service_ports": {**settings.service_ports, "calls": free_port()},
                "jwt_jwks_url": f"{issuer}/jwks",
                "jwt_issuer": issuer,
                "jwt_audience": AUDIENCE,
                "integrity_key": integrity_key,
                # Production refuses the development master key of personal fields.
                "master_key": master_key,
                "gateway_port": gateway_port,
                "oidc_issuer": issuer,
                "oidc_resource": AUDIENCE,
            },
        }
    )

    async def prepare() -> None:
        await ensure_topics(trusting)
        await migrate("calls", trusting.database_url_of("calls"))

    asyncio.run(prepare())
    (state / "logs").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": str(trusting.database_url),
        "KAFKA_BOOTSTRAP_SERVERS": str(trusting.kafka_bootstrap_servers),
        "CASCADE_ENVIRONMENT": "production",
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "CASCADE_DATABASE_PREFIX": trusting.database_prefix,
        "CASCADE_TOPIC_PREFIX": trusting.topic_prefix,
        "CASCADE_DATABASE_POOL_SIZE": "3",
        "CASCADE_CALLS_PORT": str(trusting.port_of("calls")),
        "CASCADE_JWT_JWKS_URL": f"{issuer}/jwks",
        "CASCADE_JWT_ISSUER": issuer,
        "CASCADE_JWT_AUDIENCE": AUDIENCE,
        "CASCADE_INTEGRITY_KEY": integrity_key,
        "CASCADE_MASTER_KEY": master_key,
    }
    extra.processes["calls"] = spawn("calls", env, state, log_to_files=True)
    ServiceStack.wait_ready_at(extra, {"calls": trusting.url_of("calls")})
    return trusting, start_gateway(trusting)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--oidc-issuer")
    parser.add_argument("--oidc-gateway-port", type=int)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cascade-console-e2e-"))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())

    def until_stdin_closes() -> None:
        sys.stdin.read()
        stopping.set()

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    postgres = EmbeddedPostgres(folder / "pg")
    broker = LocalBroker(log_path=folder / "tansu.log")
    stack: ServiceStack | None = None
    extra = Stack()
    servers: list[uvicorn.Server] = []
    try:
        settings = stack_settings(
            postgres.start(), broker.start(), f"console{uuid.uuid4().hex[:8]}"
        )
        settings = settings.model_copy(update={"gateway_port": free_port()})
        stack = ServiceStack(settings, folder / "stack")
        stack.start()
        servers.append(start_gateway(settings))
        ready = {
            "url": f"http://127.0.0.1:{settings.gateway_port}",
            "logs": str(folder / "stack" / "logs"),
        }
        if args.oidc_issuer:
            trusting, server = production_side(
                settings,
                args.oidc_issuer,
                args.oidc_gateway_port or free_port(),
                folder / "oidc",
                extra,
            )
            servers.append(server)
            ready["oidc_url"] = f"http://127.0.0.1:{trusting.gateway_port}"
        print(json.dumps(ready), flush=True)
        stopping.wait()
        return 0
    finally:
        for server in servers:
            server.should_exit = True
        extra.stop()
        if stack is not None:
            stack.stop()
        broker.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
