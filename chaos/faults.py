"""The faults a trial injects, each at a moment drawn from the trial's own
random generator, while the load runs: what an operator's signals, a crashed
host or a lost broker do to a running stack."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from chaos.stack import ChaosStack

SERVICES = ("calls", "applications", "payments", "reporting")


@dataclass(frozen=True)
class Fault:
    """One kind of fault: `kind` (what the stack must support) and its target."""

    kind: str  # kill, pause, postgres, broker
    target: str = ""  # the service killed or paused; PostgreSQL's shutdown mode

    @property
    def name(self) -> str:
        labels = {
            "kill": f"SIGKILL {self.target}",
            "pause": f"SIGSTOP {self.target}",
            "postgres": f"PostgreSQL {self.target} stop, start",
            "broker": f"tansu killed, {self.target} paused",
        }
        return labels[self.kind]


def plan(kills: int, postgres: int, broker: int, pauses: int) -> list[Fault]:
    """`kills` SIGKILLs of each service in turn, PostgreSQL outages, consumers
    paused in turn, broker losses with a consumer paused in turn."""
    faults = [Fault("kill", s) for _ in range(kills) for s in SERVICES]
    # A fast stop cuts every connection; an immediate one is a crash (recovery on start).
    faults += [Fault("postgres", ("fast", "immediate")[n % 2]) for n in range(postgres)]
    faults += [Fault("pause", SERVICES[n % 4]) for n in range(pauses)]
    # Last: a broker loss can leave consumers behind for the trials after it
    # (docs/RELIABILITY.md, "Known findings").
    faults += [Fault("broker", SERVICES[(n + 3) % 4]) for n in range(broker)]
    return faults


class Injection:
    """Injects one fault into the stack during `load_s` seconds of load and says,
    in a few words, what it did and when."""

    def __init__(self, stack: ChaosStack, fault: Fault, rng: random.Random, load_s: float):
        self.stack, self.fault, self.load_s = stack, fault, load_s
        self.at = rng.uniform(0.2, 0.7) * load_s  # seconds into the load
        self.outage = rng.uniform(1.0, 2.5)  # how long a pause or an outage lasts
        self.started = 0.0
        self.notes: list[str] = []

    async def run(self) -> None:
        self.started = time.monotonic()
        await asyncio.sleep(self.at)
        kind, target = self.fault.kind, self.fault.target
        if kind == "kill":
            await self._step("killed", lambda: self.stack.kill_and_restart(target))
            self._note("back")
        elif kind == "pause":
            self.stack.pause(target)
            self._note("paused")
            await asyncio.sleep(self.outage)
            self.stack.resume(target)
            self._note("resumed")
        elif kind == "postgres":
            postgres = self.stack.postgres
            assert postgres is not None
            await self._step("stopping", lambda: postgres.stop(target))
            await asyncio.sleep(self.outage)
            await self._step("starting", postgres.start_again)
            self._note("up")
        elif kind == "broker":
            broker = self.stack.broker
            assert broker is not None
            self.stack.pause(target)
            self._note(f"{target} paused")
            await self._step("tansu killed", broker.kill)
            await asyncio.sleep(self.outage / 2)
            await self._step("tansu started", broker.start)
            await asyncio.sleep(self.outage / 2)
            self.stack.resume(target)
            self._note(f"{target} resumed")

    async def _step(self, what: str, action: Callable[[], None]) -> None:
        """A blocking action (a restart waits for readiness) beside the load."""
        self._note(what)
        await asyncio.to_thread(action)

    def _note(self, what: str) -> None:
        self.notes.append(f"{what} {time.monotonic() - self.started:.1f}s")
