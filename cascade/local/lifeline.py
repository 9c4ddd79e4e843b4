"""Children that do not outlive `cascade up`, even when it is killed outright.

A supervisor's own clean-up runs only if it gets the chance: SIGKILL, the OOM
killer or a crash skip it, and the four services, tansu and PostgreSQL would
then live on as orphans holding their ports. Two mechanisms close that gap:
the kernel's parent-death signal for the processes we exec ourselves, and a
watchdog process for PostgreSQL, which `pg_ctl` detaches from us on purpose.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` asking the kernel to SIGTERM the child when this process
    dies; None where the kernel has no such thing (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    # The kernel sends the signal when the *thread* that forked the child ends,
    # not the process: from a worker thread (a test restarting a service through
    # asyncio.to_thread) the child would die with that thread. `cascade up`
    # spawns from its main thread.
    if threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent may have died between fork and prctl: then no signal comes.
        if os.getppid() != parent:
            os._exit(1)

    return arm


def start_postgres_watchdog(pgdata: Path) -> subprocess.Popen[bytes]:
    """A process that stops the PostgreSQL of `pgdata` once this process is gone."""
    return subprocess.Popen(
        [sys.executable, "-m", "cascade.local.lifeline", str(os.getpid()), str(pgdata)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: the Ctrl-C meant for `cascade up` must not stop it first.
        start_new_session=True,
    )


def stop_watchdog(watchdog: subprocess.Popen[bytes]) -> None:
    if watchdog.poll() is None:
        watchdog.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            watchdog.wait(5)


def _wait_for_exit(pid: int) -> None:
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except OSError:  # no pidfd on this kernel: look every half second
        while _alive(pid):
            time.sleep(0.5)
        return
    # A pidfd becomes readable when its process exits: no polling loop.
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.poll()
    os.close(pidfd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_postgres(pgdata: Path, timeout: float = 30.0) -> None:
    """What `pg_ctl stop -m fast` does: SIGINT to the postmaster, then wait."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def main(argv: list[str]) -> None:
    parent, pgdata = int(argv[0]), Path(argv[1])
    # Stopped on purpose by a clean `cascade up` stop: nothing left to do.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    _wait_for_exit(parent)
    stop_postgres(pgdata)


if __name__ == "__main__":
    main(sys.argv[1:])
