"""What a benchmark stage measured: operations, wall time and this process's CPU."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Tally:
    """Operations counted over one or more timed spans."""

    operations: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # of this process only: the server's work is not in it

    @contextmanager
    def measure(self, operations: int) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu
            self.operations += operations

    @property
    def rate(self) -> float:
        return self.operations / self.wall if self.wall else 0.0

    @property
    def cpu_us(self) -> float:
        """Client CPU per operation, in microseconds."""
        return self.cpu / self.operations * 1e6 if self.operations else 0.0


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"
