"""A tansu broker of a test's own, on a free port, that the test kills with
SIGKILL and starts again with the very same command line (same port, same
cluster id): a broker restarted with its identity, and nothing it held."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from cascade.local.broker import free_port, port_is_open, tansu_binary


class SameIdentityBroker:
    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        listener = f"tcp://127.0.0.1:{self.port}"
        self.command = [
            tansu_binary(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--cluster-id",
            "cascade-same",
        ]
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while not port_is_open("127.0.0.1", self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tansu did not start again on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def restart(self) -> None:
        """SIGKILL, then the same command line again."""
        self.kill()
        self.start()


@asynccontextmanager
async def same_identity_broker(log_path: Path) -> AsyncIterator[SameIdentityBroker]:
    broker = SameIdentityBroker(log_path)
    await asyncio.to_thread(broker.start)
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.kill)


async def topic_partitions(bootstrap: str) -> dict[str, int]:
    """Every topic of the broker and its partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        described = await admin.describe_topics(names) if names else []
        return {topic["topic"]: len(topic["partitions"]) for topic in described}
    finally:
        await admin.close()
