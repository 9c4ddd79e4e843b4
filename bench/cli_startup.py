"""How long `cascade --help` and `cascade token` take from start to exit.

    python bench/cli_startup.py [--runs N] [OTHER_CASCADE ...]

Each command runs N times (after one warm-up run) as a fresh process, as a user
types it; the median and the fastest wall-clock times are printed, and the median
CPU time (user + system), which a busy machine inflates less. Give the `cascade` executable
of another checkout (e.g. main's `.venv/bin/cascade`) to see both side by side.
The target is 0.3 s for both commands on this machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3
COMMANDS = {
    "--help": ["--help"],
    "token": ["token", "--role", "programme_manager", "--sub", "alice"],
}
OWN = Path(sys.executable).parent / "cascade"


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timings(executable: Path, arguments: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASCADE_")}
    wall, cpu = [], []
    for run in range(runs + 1):
        started, cpu_before = time.perf_counter(), cpu_of_children()
        subprocess.run(
            [str(executable), *arguments],
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if run:  # the first run only warms the file cache
            wall.append(time.perf_counter() - started)
            cpu.append(cpu_of_children() - cpu_before)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("others", nargs="*", type=Path, help="other `cascade` executables")
    options = parser.parse_args()
    executables = [OWN, *options.others]
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, {options.runs} runs each"
    )
    print(
        f"{'command':<16}{'executable':<48}{'median s':>9}{'fastest s':>10}{'cpu s':>7}"
        f"{'vs target':>10}{'vs first':>9}"
    )
    for name, arguments in COMMANDS.items():
        first = None
        for executable in executables:
            wall, cpu = timings(executable, arguments, options.runs)
            median = statistics.median(wall)
            first = first or median
            print(
                f"cascade {name:<8}{str(executable):<48}{median:>9.3f}{min(wall):>10.3f}"
                f"{statistics.median(cpu):>7.3f}{median / TARGET_S:>9.2f}x{median / first:>8.2f}x"
            )


if __name__ == "__main__":
    main()
