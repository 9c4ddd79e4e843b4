"""SIGTERM, as Kubernetes sends it: the service finishes, its consumers and relay
stop cleanly, and the process exits well within the termination grace period."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from cascade.local.broker import free_port
from shared.settings import Settings
from tests.conftest import MakeDatabase
from tests.support import counters

GRACE_PERIOD_S = 30


def wait_ready(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the service exited before it was ready"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("the service never became ready")


@pytest.fixture
async def counters_database(service_database: MakeDatabase) -> str:
    return await service_database(counters.NAME)


@pytest.mark.slow
def test_sigterm_stops_the_consumer_and_the_relay_cleanly(
    settings: Settings,
    counters_database: str,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "CASCADE_TOPIC_PREFIX": settings.topic_prefix,
        "CASCADE_ENVIRONMENT": "test",
        "CASCADE_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "CASCADE_LOG_FORMAT": "json",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.serve_counters", counters_database, str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(port, proc)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        output, _ = proc.communicate(timeout=GRACE_PERIOD_S)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # Uvicorn re-raises the signal once it has shut down cleanly.
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert took < GRACE_PERIOD_S
    messages = [json.loads(line)["msg"] for line in output.splitlines() if line.startswith("{")]
    assert "consumer stopped" in messages
    assert "relay stopped" in messages
    assert (
        messages.index("consumer stopped")
        < messages.index("relay stopped")
        < messages.index("service stopped")
    )
    assert "Traceback" not in output
