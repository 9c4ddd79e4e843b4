"""Trials one after another on one stack, and the table of their outcomes."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from chaos.client import Client
from chaos.faults import Fault, Injection
from chaos.invariants import (
    BROKEN,
    DOUBLED,
    LOST,
    Findings,
    history_intact,
    no_new_dead_letters,
    settled,
    unresolved_dead_letters,
)
from chaos.load import Load
from chaos.stack import ChaosStack


@dataclass
class Trial:
    number: int
    fault: Fault
    moments: list[str] = field(default_factory=list)
    acknowledged: int = 0
    retries: int = 0
    grants: int = 0
    seconds: float = 0.0
    findings: Findings = field(default_factory=Findings)
    error: str = ""

    @property
    def clean(self) -> bool:
        return not self.findings and not self.error


@dataclass
class Totals:
    trials: int
    lost: int
    doubled: int
    broken: int
    errors: int

    @classmethod
    def of(cls, trials: list[Trial]) -> Totals:
        return cls(
            len(trials),
            sum(t.findings.count(LOST) for t in trials),
            sum(t.findings.count(DOUBLED) for t in trials),
            sum(t.findings.count(BROKEN) for t in trials),
            sum(bool(t.error) for t in trials),
        )

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.broken or self.errors)

    def line(self) -> str:
        errors = f", {self.errors} errors" if self.errors else ""
        return (
            f"{self.trials} trials, {self.lost} lost, {self.doubled} doubled, "
            f"{self.broken} invariant breaks{errors}"
        )


async def run_trial(
    stack: ChaosStack, api: Client, fault: Fault, number: int, rng: random.Random, load_s: float
) -> Trial:
    """Prepare, load with the fault injected, then check from outside."""
    trial = Trial(number, fault)
    started = time.monotonic()
    retries_before = api.traffic.retries
    load = Load(api, f"{uuid.uuid4().hex[:6]}-{number}")
    # Drawn before anything can fail, so each trial's moments depend on the seed only.
    injection = Injection(stack, fault, rng, load_s)
    try:
        await load.prepare()
        before = await unresolved_dead_letters(api)
        stop = asyncio.Event()
        working = asyncio.create_task(load.run(stop))
        await injection.run()
        remaining = load_s - (time.monotonic() - injection.started)
        await asyncio.sleep(max(0.0, remaining))
        stop.set()
        await working
        await load.pay_remaining()
        trial.findings = await settled(api, load.ledger)
        await history_intact(api, trial.findings)
        await no_new_dead_letters(api, stack.settings, before, trial.findings)
    except Exception as exc:  # noqa: BLE001 - a trial that cannot finish is reported, not fatal
        trial.error = f"{type(exc).__name__}: {exc}"[:300]
    ledger = load.ledger
    trial.moments = injection.notes
    trial.acknowledged = (
        len(ledger.calls)
        + len(ledger.organisations)
        + len(ledger.drafts)
        + len(ledger.decisions)
        + len(ledger.signed)
        + len(ledger.disbursed)
    )
    trial.grants = len(ledger.signed)
    trial.retries = api.traffic.retries - retries_before
    trial.seconds = time.monotonic() - started
    return trial


async def run_trials(
    stack: ChaosStack,
    faults: list[Fault],
    seed: int,
    load_s: float,
    console: Console | None = None,
    trials: list[Trial] | None = None,
) -> list[Trial]:
    """Every trial in order; each is appended to `trials` (when given) as it ends,
    so that an interrupted run can still show what it did."""
    unsupported = {f.kind for f in faults} - stack.faults
    if unsupported:
        raise ValueError(f"this stack cannot take faults of kind {sorted(unsupported)}")
    rng = random.Random(seed)
    api = Client(stack.settings, stack.urls)
    trials = [] if trials is None else trials
    try:
        for number, fault in enumerate(faults, start=1):
            trial = await run_trial(stack, api, fault, number, rng, load_s)
            trials.append(trial)
            if console is not None:
                console.print(progress_line(trial, len(faults)), highlight=False)
                for line in details([trial]):  # at once: a long run may be stopped
                    console.print(f"    {line}", highlight=False, soft_wrap=True)
    finally:
        await api.aclose()
    return trials


def progress_line(trial: Trial, total: int) -> str:
    outcome = "[green]ok[/]" if trial.clean else "[red]FAILED[/]"
    return (
        f"{trial.number:>3}/{total} {trial.fault.name:<32} {outcome} "
        f"{trial.acknowledged} acknowledged, {trial.retries} retries, {trial.seconds:.1f}s"
    )


def table(trials: list[Trial], seed: int, load_s: float) -> Table:
    """One row per kind of fault (the per-trial lines were printed as they ran)."""
    result = Table(title=f"Cascade chaos: seed {seed}, {load_s:g} s of load per trial")
    for column in (
        "fault",
        "trials",
        "acknowledged",
        "retries",
        "grants",
        "lost",
        "doubled",
        "invariant breaks",
        "errors",
        "mean s",
    ):
        result.add_column(column, justify="left" if column == "fault" else "right")
    names = list(dict.fromkeys(t.fault.name for t in trials))
    for name in names:
        group = [t for t in trials if t.fault.name == name]
        totals = Totals.of(group)
        style = None if totals.clean else "red"
        result.add_row(
            name,
            str(len(group)),
            str(sum(t.acknowledged for t in group)),
            str(sum(t.retries for t in group)),
            str(sum(t.grants for t in group)),
            str(totals.lost),
            str(totals.doubled),
            str(totals.broken),
            str(totals.errors),
            f"{sum(t.seconds for t in group) / len(group):.1f}",
            style=style,
        )
    return result


def details(trials: list[Trial]) -> list[str]:
    """Every finding and error, each with its trial: what to look into."""
    lines = []
    for trial in trials:
        prefix = f"trial {trial.number} ({trial.fault.name}; {', '.join(trial.moments)})"
        if trial.error:
            lines.append(f"{prefix}: error {trial.error}")
        for kind, what in trial.findings.items:
            lines.append(f"{prefix}: {kind}: {what}")
    return lines
