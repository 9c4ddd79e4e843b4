"""A whole stack for the console's browser tests: the session's own PostgreSQL and
broker, the four services as processes, and the gateway serving the built console.

Prints one JSON line (`{"url": ...}`) once everything answers, then runs until its
standard input closes or it gets SIGTERM; `console/e2e/global-setup.ts` starts it."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import uvicorn

from shared.gateway import create_gateway
from shared.local.broker import LocalBroker, free_port
from shared.local.postgres import EmbeddedPostgres
from tests.support.stack import ServiceStack, stack_settings


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="cascade-console-e2e-"))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    postgres = EmbeddedPostgres(folder / "pg")
    broker = LocalBroker(log_path=folder / "tansu.log")
    stack: ServiceStack | None = None
    server: uvicorn.Server | None = None
    try:
        settings = stack_settings(postgres.start(), broker.start(), f"console{uuid.uuid4().hex[:8]}")
        settings = settings.model_copy(update={"gateway_port": free_port()})
        stack = ServiceStack(settings, folder / "stack")
        stack.start()
        server = uvicorn.Server(uvicorn.Config(create_gateway(settings), host="127.0.0.1",
                                               port=settings.gateway_port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        print(json.dumps({"url": f"http://127.0.0.1:{settings.gateway_port}",
                          "logs": str(folder / "stack" / "logs")}), flush=True)
        stopping.wait()
        return 0
    finally:
        if server is not None:
            server.should_exit = True
        if stack is not None:
            stack.stop()
        broker.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
