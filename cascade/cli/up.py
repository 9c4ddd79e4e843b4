"""`cascade up`: the whole stack on one machine, stopped cleanly by Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cascade.gateway import GATEWAY, console_dist
from cascade.local.broker import LocalBroker, port_is_open
from cascade.local.lifeline import die_with_parent, start_postgres_watchdog, stop_watchdog
from cascade.local.ports import describe_holders
from cascade.local.postgres import EmbeddedPostgres
from cascade.migrate import migrate
from cascade.services import NAMES, ensure_topics
from shared.db import connect, redact
from shared.errors import InfrastructureUnavailable
from shared.settings import Settings

console = Console()
COLOURS = {
    "calls": "cyan",
    "applications": "magenta",
    "payments": "green",
    "reporting": "yellow",
    GATEWAY: "blue",
}


@dataclass
class Stack:
    """Everything `cascade up` started, so that all of it can be stopped."""

    postgres: EmbeddedPostgres | None = None
    broker: LocalBroker | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Stops the embedded PostgreSQL should we be killed before `stop` runs.
    watchdog: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()
        if self.watchdog is not None:
            stop_watchdog(self.watchdog)


def run_stack(settings: Settings, state_dir: str, *, log_to_files: bool = False) -> int:
    state = Path(state_dir).resolve()
    (state / "logs").mkdir(parents=True, exist_ok=True)
    ports = {**{s: settings.port_of(s) for s in NAMES}, GATEWAY: settings.gateway_port}
    busy = {s: port for s, port in ports.items() if port_is_open(settings.host, port)}
    if busy:
        listed = ", ".join(f"{s} ({port})" for s, port in busy.items())
        raise InfrastructureUnavailable(
            f"port(s) already in use: {listed}. {describe_holders(list(busy.values()))}"
        )
    stack = Stack()
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        env = prepare_infrastructure(settings, state, stack)
        for service in NAMES:
            stack.processes[service] = spawn(service, env, state, log_to_files)
        stack.processes[GATEWAY] = spawn(GATEWAY, env, state, log_to_files, command=("gateway",))
        ready = wait_until_ready(settings, stack, stopping)
        if ready:
            # The URL of a server we started is ours to print; a configured one
            # may hold a password that does not belong on a screen.
            database = env["DATABASE_URL"] if stack.postgres else redact(env["DATABASE_URL"])
            show_ready(
                settings,
                state,
                time.monotonic() - started,
                log_to_files,
                database,
                env["KAFKA_BOOTSTRAP_SERVERS"],
            )
            while not stopping.is_set() and all(p.poll() is None for p in stack.processes.values()):
                stopping.wait(0.5)
        died = [s for s, p in stack.processes.items() if p.poll() is not None]
        if died and not stopping.is_set():
            console.print(f"[red]stopped because {', '.join(died)} exited[/]")
            return 1
        return 0 if ready or stopping.is_set() else 1
    finally:
        console.print("stopping everything cascade up started...")
        stack.stop()
        console.print("stopped.")


def prepare_infrastructure(settings: Settings, state: Path, stack: Stack) -> dict[str, str]:
    """Database server, broker, topics, one migrated database per service; the
    environment the service processes get."""
    env = dict(os.environ)
    db_url = settings.database_url
    if db_url is None:
        console.print(f"starting embedded PostgreSQL in {state / 'pgdata'} ...")
        stack.watchdog = start_postgres_watchdog(state / "pgdata")
        stack.postgres = EmbeddedPostgres(state / "pgdata")
        db_url = stack.postgres.start()
    else:
        asyncio.run(_check_database(db_url))
    env["DATABASE_URL"] = db_url
    servers = settings.kafka_bootstrap_servers
    if servers is None:
        stack.broker = LocalBroker(log_path=state / "logs" / "tansu.log")
        servers = stack.broker.start()
        console.print(f"started tansu (Kafka protocol) on {servers}")
        # tansu has no idempotent producer; Apache Kafka does.
        env["CASCADE_KAFKA_ENABLE_IDEMPOTENCE"] = "false"
    env["KAFKA_BOOTSTRAP_SERVERS"] = servers
    effective = settings.model_copy(
        update={"database_url": db_url, "kafka_bootstrap_servers": servers}
    )
    asyncio.run(_topics_and_migrations(effective))
    return env


async def _check_database(url: str) -> None:
    conn = await connect(url)
    await conn.close()


async def _topics_and_migrations(settings: Settings) -> None:
    created = await ensure_topics(settings)
    if created:
        console.print(f"created topics: {', '.join(created)}")
    for service in NAMES:
        url = settings.database_url_of(service)
        await migrate(service, url)
        console.print(f"{service}: database {redact(url)} migrated")


def spawn(
    service: str,
    env: dict[str, str],
    state: Path,
    log_to_files: bool,
    command: tuple[str, ...] | None = None,
) -> subprocess.Popen[bytes]:
    """`cascade serve <service>` (or another `cascade` command) as a child process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cascade", *(command or ("serve", service))],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Own session: Ctrl-C reaches only us, and we stop the children in order;
        # and should we die without stopping them, the kernel stops them.
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    log_file = (state / "logs" / f"{service}.log").open("ab")
    threading.Thread(
        target=_pump, args=(service, proc.stdout, log_file, not log_to_files), daemon=True
    ).start()
    return proc


def _pump(service: str, stream: IO[bytes] | None, log_file: IO[bytes], echo: bool) -> None:
    """Copy a child's output to its log file and, prefixed by its name, to the terminal."""
    assert stream is not None
    prefix = (f"{service:>12} | ", COLOURS[service])
    with log_file:
        for line in iter(stream.readline, b""):
            log_file.write(line)
            log_file.flush()
            if echo:
                text = Text.assemble(prefix, line.decode(errors="replace").rstrip())
                console.print(text, highlight=False, soft_wrap=True)


def wait_until_ready(
    settings: Settings, stack: Stack, stopping: threading.Event, timeout: float = 120.0
) -> bool:
    checks = {
        **{s: f"{url_of(settings, s)}/readyz" for s in NAMES},
        GATEWAY: f"{gateway_url(settings)}/api/config",
    }
    pending = set(checks)
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while pending and not stopping.is_set():
            for service in sorted(pending):
                if stack.processes[service].poll() is not None:
                    console.print(
                        f"[red]{service} exited with code "
                        f"{stack.processes[service].returncode}; see its log[/]"
                    )
                    return False
                try:
                    if client.get(checks[service]).status_code == 200:
                        pending.discard(service)
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                console.print(
                    f"[red]not ready after {timeout:.0f}s: {', '.join(sorted(pending))}[/]"
                )
                return False
            stopping.wait(0.25)
    return not pending


def url_of(settings: Settings, service: str) -> str:
    return f"http://{settings.host}:{settings.port_of(service)}"


def gateway_url(settings: Settings) -> str:
    return f"http://{settings.host}:{settings.gateway_port}"


def show_ready(
    settings: Settings,
    state: Path,
    seconds: float,
    log_to_files: bool,
    database_url: str,
    kafka_servers: str,
) -> None:
    table = Table(title=f"Cascade is ready ({seconds:.1f} s)")
    for column in ("service", "URL", "state", "docs"):
        table.add_column(column)
    for service in NAMES:
        url = url_of(settings, service)
        table.add_row(service, url, "[green]ready[/]", f"{url}/docs")
    console_url = gateway_url(settings)
    built = (console_dist(settings) / "index.html").is_file()
    table.add_row(
        "console",
        console_url,
        "[green]ready[/]" if built else "[red]not built[/]",
        f"{console_url}/signin; APIs at {console_url}/api/<service>/",
    )
    console.print(table)
    console.print(
        "Mint a development token:  [bold]cascade token --role programme_manager --sub alice[/]"
    )
    # Other commands (audit verify, reporting rebuild, dlq) reach this stack with these.
    console.print(
        "Other cascade commands against this stack:  [bold]export "
        f"DATABASE_URL='{database_url}' "
        f"KAFKA_BOOTSTRAP_SERVERS={kafka_servers}[/]",
        soft_wrap=True,
    )
    where = f"{state / 'logs'}/<service>.log"
    console.print(
        f"Logs: {'in ' + where if log_to_files else 'above, and in ' + where}.  Stop with Ctrl-C."
    )
