"""The image's HEALTHCHECK: is the service this container serves ready?

Docker runs this inside the container, beside `cascade serve <service>`. It
finds that process and its port, and asks its /readyz. A container that serves
nothing (`cascade migrate`, `cascade topics create`) has nothing to check and is
healthy. Kubernetes ignores HEALTHCHECK and uses the Deployment's probes.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from cascade.services import DEFAULT_PORTS


def served(cmdline: list[str]) -> tuple[str, int | None] | None:
    """(service, --port or None) when `cmdline` is `cascade serve <service> ...`."""
    for i, arg in enumerate(cmdline[:-2]):
        if Path(arg).name == "cascade" and cmdline[i + 1] == "serve":
            service, options = cmdline[i + 2], cmdline[i + 3 :]
            for j, option in enumerate(options):
                if option == "--port" and j + 1 < len(options):
                    return service, int(options[j + 1])
                if option.startswith("--port="):
                    return service, int(option.partition("=")[2])
            return service, None
    return None


def url_of(service: str, port: int | None, environ: dict[str, str]) -> str:
    """The readiness URL: the port given, else the service's own port setting."""
    if port is None:
        port = int(environ.get(f"CASCADE_{service.upper()}_PORT", DEFAULT_PORTS[service]))
    host = environ.get("CASCADE_HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{port}/readyz"


def command_lines(proc: Path = Path("/proc")) -> list[list[str]]:
    lines = []
    for entry in proc.glob("[0-9]*/cmdline"):
        try:
            raw = entry.read_bytes()
        except OSError:
            continue  # the process ended meanwhile
        lines.append([part.decode(errors="replace") for part in raw.split(b"\0") if part])
    return lines


def main() -> int:
    target = next(filter(None, map(served, command_lines())), None)
    if target is None:
        return 0
    url = url_of(*target, dict(os.environ))
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"{url}: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
