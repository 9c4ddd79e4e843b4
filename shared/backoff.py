"""Exponential backoff with a cap, the one schedule of waits between retries."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Waits `first_s`, then `factor` times longer each retry, never beyond `cap_s`.

    With `jitter`, each wait is drawn uniformly from its upper half, so that
    racers retrying the same thing do not collide again in lockstep."""

    first_s: float
    cap_s: float
    factor: float = 2.0
    jitter: bool = False

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0 for the first retry)."""
        wait = min(self.cap_s, self.first_s * self.factor ** min(retry, 64))
        if self.jitter:
            return random.uniform(wait / 2, wait)  # spreading retries, not a secret
        return wait

    @classmethod
    def from_ms(cls, first_ms: int, cap_s: float, *, jitter: bool = False) -> Backoff:
        return cls(first_ms / 1000, cap_s, jitter=jitter)
