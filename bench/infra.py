"""The PostgreSQL server and broker a benchmark runs against: the configured
ones, else an embedded PostgreSQL and tansu started for the run."""

from __future__ import annotations

import contextlib
import os
import platform
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cascade.local.broker import LocalBroker
from cascade.local.postgres import EmbeddedPostgres


@contextlib.contextmanager
def infrastructure() -> Iterator[tuple[str, str]]:
    """Yields (server URL, bootstrap servers)."""
    with tempfile.TemporaryDirectory(prefix="cascade-bench-") as tmp:
        postgres = broker = None
        try:
            db_url = os.environ.get("DATABASE_URL")
            if not db_url:
                postgres = EmbeddedPostgres(Path(tmp) / "pgdata")
                db_url = postgres.start()
            servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            if not servers:
                broker = LocalBroker(log_path=Path(tmp) / "tansu.log")
                servers = broker.start()
            yield db_url, servers
        finally:
            if broker:
                broker.stop()
            if postgres:
                postgres.stop()


def machine() -> str:
    cpus = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    return f"{platform.machine()}, {cpus} cores, {total_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"
