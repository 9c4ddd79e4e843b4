"""How long `cascade --help` and `cascade token` take from start to exit.

    python bench/cli_startup.py [--runs N] [OTHER_CASCADE ...]

Each command runs N times (after one warm-up run) as a fresh process, as a user
types it; the median and the fastest are printed. Give the `cascade` executable
of another checkout (e.g. main's `.venv/bin/cascade`) to see both side by side.
The target is 0.3 s for both commands on this machine.
"""

from __future__ import annotations

import argparse
import os
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


def timings(executable: Path, arguments: list[str], runs: int) -> list[float]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASCADE_")}
    found = []
    for run in range(runs + 1):
        started = time.perf_counter()
        subprocess.run([str(executable), *arguments], env=environment, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if run:  # the first run only warms the file cache
            found.append(time.perf_counter() - started)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("others", nargs="*", type=Path, help="other `cascade` executables")
    options = parser.parse_args()
    executables = [OWN, *options.others]
    print(f"{'command':<16}{'executable':<52}{'median s':>10}{'fastest s':>11}{'vs target':>11}")
    for name, arguments in COMMANDS.items():
        for executable in executables:
            found = timings(executable, arguments, options.runs)
            median = statistics.median(found)
            print(f"cascade {name:<8}{str(executable):<52}{median:>10.3f}{min(found):>11.3f}"
                  f"{median / TARGET_S:>10.2f}x")


if __name__ == "__main__":
    main()
