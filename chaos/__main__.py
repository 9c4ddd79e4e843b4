"""`python -m chaos` (`make chaos`): the standing fault suite against a stack it starts.

Exits 0 only when every trial ended with nothing lost, nothing doubled and no
invariant broken."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

from rich.console import Console

from chaos.faults import plan
from chaos.runner import Totals, Trial, details, run_trials, table
from chaos.stack import ChaosStack


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument(
        "--kills", type=int, default=20, help="SIGKILLs of each service (4 services; 20)"
    )
    parser.add_argument("--postgres", type=int, default=6, help="PostgreSQL outages (6)")
    parser.add_argument(
        "--broker", type=int, default=4, help="broker losses with a consumer paused (4)"
    )
    parser.add_argument("--pauses", type=int, default=12, help="consumers paused and resumed (12)")
    parser.add_argument("--seed", type=int, help="the random seed (default: a new one, printed)")
    parser.add_argument(
        "--load-seconds", type=float, default=3.0, help="seconds of load per trial (3)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    faults = plan(args.kills, args.postgres, args.broker, args.pauses)
    # Wide enough for the table when the output is a file or a pipe.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(
        f"chaos: {len(faults)} trials, seed {seed} (again: make chaos SEED={seed}); "
        "starting a stack of its own ..."
    )
    started = time.monotonic()
    logs = Path(".cascade") / "chaos" / f"seed-{seed}-{int(time.time())}"
    stack = ChaosStack.start()
    trials: list[Trial] = []
    interrupted = False
    try:
        console.print(f"stack ready in {time.monotonic() - started:.1f}s; logs in {stack.logs}")
        asyncio.run(run_trials(stack, faults, seed, args.load_seconds, console, trials))
    except KeyboardInterrupt:
        interrupted = True
        console.print(f"[yellow]interrupted after {len(trials)} of {len(faults)} trials[/]")
    finally:
        stack.stop(keep_logs=logs)
    console.print(table(trials, seed, args.load_seconds))
    for line in details(trials):
        console.print(line, highlight=False, soft_wrap=True)
    totals = Totals.of(trials)
    minutes = (time.monotonic() - started) / 60
    console.print(f"[bold]{totals.line()}[/] (seed {seed}, {minutes:.1f} min; logs in {logs})")
    return 0 if totals.clean and not interrupted else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
