"""The whole stack as separate processes for the end-to-end tests: each service
is `cascade serve <service>` on its own port, as `cascade up` runs it, on the
session's PostgreSQL server and broker, isolated by database and topic names.
A test may stop and start any one process in the middle of a flow."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from cascade.cli.up import Stack, prepare_infrastructure, spawn
from cascade.local.broker import free_port
from cascade.services import NAMES
from shared.settings import Settings


class ServiceStack:
    def __init__(self, settings: Settings, state: Path):
        self.settings = settings
        self.state = state
        self._stack = Stack()
        self._env: dict[str, str] = {}

    @property
    def urls(self) -> dict[str, str]:
        return {s: f"http://127.0.0.1:{self.settings.port_of(s)}" for s in NAMES}

    def start(self) -> None:
        (self.state / "logs").mkdir(parents=True, exist_ok=True)
        self._env = {
            **prepare_infrastructure(self.settings, self.state, self._stack),
            **_environment(self.settings),
        }
        for service in NAMES:
            self._spawn(service)
        self.wait_ready(NAMES)

    def stop(self) -> None:
        self._stack.stop()

    def restart(self, service: str, how: signal.Signals = signal.SIGTERM) -> None:
        """Stop one service (gracefully, or killed outright with SIGKILL) and start it again."""
        process = self._stack.processes[service]
        process.send_signal(how)
        process.wait(30)
        self._spawn(service)
        self.wait_ready([service])

    def pid(self, service: str) -> int:
        """The process id of the service's current process (to pause or kill it)."""
        return self._stack.processes[service].pid

    def log_entries(self, service: str) -> list[dict[str, Any]]:
        """The service's structured log lines so far (JSON objects, one per line)."""
        entries = []
        for line in (
            (self.state / "logs" / f"{service}.log").read_text(errors="replace").splitlines()
        ):
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return entries

    def _spawn(self, service: str) -> None:
        self._stack.processes[service] = spawn(service, self._env, self.state, log_to_files=True)

    def wait_ready(self, services: list[str] | tuple[str, ...], timeout: float = 90.0) -> None:
        self.wait_ready_at(self._stack, {s: self.urls[s] for s in services}, timeout)

    @staticmethod
    def wait_ready_at(stack: Stack, urls: dict[str, str], timeout: float = 90.0) -> None:
        """Until each service answers /readyz at its URL; an error if one exits first."""
        deadline = time.monotonic() + timeout
        pending = set(urls)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for service in sorted(pending):
                    process = stack.processes[service]
                    if process.poll() is not None:
                        raise RuntimeError(
                            f"{service} exited with {process.returncode}; see its log"
                        )
                    try:
                        if client.get(f"{urls[service]}/readyz").status_code == 200:
                            pending.discard(service)
                    except httpx.HTTPError:
                        pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready after {timeout:.0f}s: {sorted(pending)}")
                time.sleep(0.2)


def stack_settings(pg_server_url: str, kafka_bootstrap: str, name: str) -> Settings:
    """Settings of one isolated stack: its own databases, topics and free ports."""
    # Each service's port by its setting's name (`calls_port`, ...).
    ports: dict[str, Any] = {f"{s}_port": free_port() for s in NAMES}
    return Settings(
        environment="test",
        database_url=pg_server_url,
        database_prefix=name,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_enable_idempotence=False,
        topic_prefix=f"{name}.",
        consumer_session_timeout_ms=3_000,
        **ports,
    )


def _environment(settings: Settings) -> dict[str, str]:
    """What the service processes need to be this stack's services."""
    return {
        "CASCADE_ENVIRONMENT": "test",
        "CASCADE_DATABASE_PREFIX": settings.database_prefix,
        "CASCADE_TOPIC_PREFIX": settings.topic_prefix,
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": "false",
        # Four services beside the tests on one server of 100 connections.
        "CASCADE_DATABASE_POOL_SIZE": "5",
        "CASCADE_CONSUMER_SESSION_TIMEOUT_MS": str(settings.consumer_session_timeout_ms),
        # Reporting finds the other services' feeds at these ports too.
        **{f"CASCADE_{s.upper()}_PORT": str(settings.port_of(s)) for s in NAMES},
    }
