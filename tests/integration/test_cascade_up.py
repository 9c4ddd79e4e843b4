"""`cascade up` as a user runs it: the whole stack in separate processes, ready
endpoints, a clean stop, and one clear line when something is wrong."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from cascade.local.broker import free_port
from tests.conftest import unique_name

SERVICES = ("calls", "applications", "payments", "reporting")


def stack_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    for service in SERVICES:
        env[f"CASCADE_{service.upper()}_PORT"] = str(free_port())
    env["CASCADE_GATEWAY_PORT"] = str(free_port())
    env["CASCADE_DATABASE_PREFIX"] = unique_name("up")
    env.update(overrides)
    return env


def start(env: dict[str, str], state: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cascade.cli.main",
            "up",
            "--state-dir",
            str(state),
            "--log-to-files",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_ready(proc: subprocess.Popen[str], timeout: float = 120) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line)
        if "Cascade is ready" in line:
            return lines
        assert time.monotonic() < deadline, "".join(lines)
    pytest.fail("cascade up exited before ready:\n" + "".join(lines))


@contextlib.contextmanager
def running(env: dict[str, str], state: Path) -> Iterator[subprocess.Popen[str]]:
    proc = start(env, state)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def assert_all_ready_then_clean_stop(proc: subprocess.Popen[str], env: dict[str, str]) -> str:
    """What `cascade up` printed after its ready table."""
    wait_for_ready(proc)
    descendants = psutil.Process(proc.pid).children(recursive=True)
    assert len(descendants) >= 4
    for service in SERVICES:
        response = httpx.get(f"http://127.0.0.1:{env[f'CASCADE_{service.upper()}_PORT']}/readyz")
        assert response.status_code == 200, response.text
        checks = response.json()["checks"]
        assert (checks["database"], checks["broker"]) == ("ok", "ok")
        # Beside them, each consumer's unresolved dead letters: none on a new stack.
        assert {v for k, v in checks.items() if k.startswith("dead_letters.")} <= {"none"}
    # One origin: the gateway routes /api/<service>/... to each service.
    console = f"http://127.0.0.1:{env['CASCADE_GATEWAY_PORT']}"
    for service in SERVICES:
        assert httpx.get(f"{console}/api/{service}/readyz").json()["checks"]["database"] == "ok"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    _, survivors = psutil.wait_procs(descendants, timeout=30)
    assert [p for p in survivors if p.status() != psutil.STATUS_ZOMBIE] == []
    assert proc.stdout is not None
    return proc.stdout.read()


@pytest.mark.slow
def test_up_starts_its_own_postgres_and_broker_and_stops_them(tmp_path: Path) -> None:
    env = stack_env()
    with running(env, tmp_path / "state") as proc:
        printed = assert_all_ready_then_clean_stop(proc, env)
    assert (tmp_path / "state" / "pgdata" / "PG_VERSION").exists()
    # How the other commands reach the stack it started.
    assert "export DATABASE_URL='postgresql://" in printed
    assert "***" not in printed  # a URL to use, not a redacted one
    assert "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:" in printed
    console_row = next(line for line in printed.splitlines() if "console" in line)
    assert f"http://127.0.0.1:{env['CASCADE_GATEWAY_PORT']}" in console_row


@pytest.fixture
def server_urls(pg_server_url: str, kafka_bootstrap: str) -> dict[str, str]:
    return {
        "DATABASE_URL": pg_server_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "CASCADE_TOPIC_PREFIX": unique_name() + ".",
    }


@pytest.mark.slow
def test_up_uses_the_configured_server_and_broker(
    server_urls: dict[str, str], tmp_path: Path
) -> None:
    env = stack_env(**server_urls)
    with running(env, tmp_path / "state") as proc:
        assert_all_ready_then_clean_stop(proc, env)
    assert not (tmp_path / "state" / "pgdata").exists()


def run_to_failure(env: dict[str, str], tmp_path: Path) -> str:
    with running(env, tmp_path / "state") as proc:
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in output
    return output


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    output = run_to_failure(stack_env(DATABASE_URL=dead), tmp_path)
    assert "error: cannot reach PostgreSQL at" in output


def test_an_unreachable_broker_is_one_clear_line_and_nothing_is_left_running(
    tmp_path: Path, pg_server_url: str
) -> None:
    dead = f"127.0.0.1:{free_port()}"
    output = run_to_failure(
        stack_env(DATABASE_URL=pg_server_url, KAFKA_BOOTSTRAP_SERVERS=dead), tmp_path
    )
    assert f"error: cannot reach Kafka at {dead}" in output


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    env = stack_env()
    with socket.socket() as occupant:
        occupant.bind(("127.0.0.1", int(env["CASCADE_PAYMENTS_PORT"])))
        occupant.listen()
        output = run_to_failure(env, tmp_path)
    assert "error: port(s) already in use: payments" in output
    # Which process holds it, and how to stop it.
    assert f"pid {os.getpid()} holds {env['CASCADE_PAYMENTS_PORT']}" in output
    assert f"kill {os.getpid()}" in output


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


def eventually_gone(processes: list[psutil.Process], timeout: float = 60) -> list[psutil.Process]:
    """The processes still running once they all stopped or `timeout` passed."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


@pytest.mark.slow
def test_nothing_outlives_cascade_up_killed_outright(tmp_path: Path) -> None:
    env = stack_env()
    state = tmp_path / "state"
    with running(env, state) as proc:
        wait_for_ready(proc)
        children = psutil.Process(proc.pid).children(recursive=True)
        postgres = psutil.Process(postmaster_pid(state / "pgdata"))
        assert len(children) >= 5  # four services and tansu, besides the watchdog
        proc.kill()  # no SIGTERM handler runs: the kernel and the watchdog must act
        proc.wait()
        assert eventually_gone([*children, postgres]) == []
    for service in SERVICES:
        port = int(env[f"CASCADE_{service.upper()}_PORT"])
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # free again for the next `cascade up`
