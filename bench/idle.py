"""How busy an idle stack is: the four services, the broker and PostgreSQL as
`cascade up` runs them, doing nothing for 30 s, their CPU measured with psutil.
`make bench-idle`; run it from another checkout's code with PYTHONPATH to compare."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from bench.infra import infrastructure, machine
from tests.support.stack import ServiceStack, stack_settings

console = Console()


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return seconds


def label(process: psutil.Process) -> str:
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return "?"
    for service in ("calls", "applications", "payments", "reporting"):
        if f"serve {service}" in command or command.endswith(f" {service}"):
            return service
    if "tansu" in command:
        return "tansu (broker)"
    if "postgres" in command:
        return "postgresql"
    return "other"


def main(seconds: float, settle: float) -> None:
    console.print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    with infrastructure() as (server, servers), tempfile.TemporaryDirectory() as state:
        stack = ServiceStack(stack_settings(server, servers, "idle"), Path(state))
        stack.start()
        try:
            time.sleep(settle)  # consumers joined, relays lead, nothing left to do
            processes = psutil.Process().children(recursive=True)
            before = cpu_seconds(processes)
            started = time.monotonic()
            time.sleep(seconds)
            after = cpu_seconds(processes)
            elapsed = time.monotonic() - started
            by_label: dict[str, float] = {}
            for process in processes:
                if process.pid in before and process.pid in after:
                    name = label(process)
                    used = after[process.pid] - before[process.pid]
                    by_label[name] = by_label.get(name, 0.0) + used
        finally:
            stack.stop()
    table = Table(title=f"an idle stack for {elapsed:.0f} s: share of one core")
    table.add_column("process")
    table.add_column("% of a core", justify="right")
    for name, used in sorted(by_label.items(), key=lambda item: -item[1]):
        table.add_row(name, f"{used / elapsed * 100:.1f}")
    total = sum(by_label.values()) / elapsed * 100
    table.add_row("total", f"{total:.1f}")
    console.print(table)
    console.print(f"total {total:.1f}% of a core (target < 5%)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=10.0)
    options = parser.parse_args()
    main(options.seconds, options.settle)
