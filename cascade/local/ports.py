"""Who holds a port: the line `cascade up` prints instead of a bare "in use"."""

from __future__ import annotations

import shlex


def describe_holders(ports: list[int]) -> str:
    """Which processes listen on `ports`, and the command that stops them."""
    try:
        import psutil
    except ImportError:  # the `local` extra is not installed: say what we can
        return "Stop what uses them or set CASCADE_<SERVICE>_PORT."
    holders: dict[int, list[int]] = {}
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return "Stop what uses them (`ss -ltnp` names it) or set CASCADE_<SERVICE>_PORT."
    for conn in connections:
        if (
            conn.status == psutil.CONN_LISTEN
            and conn.laddr
            and conn.laddr.port in ports
            and conn.pid
        ):
            holders.setdefault(conn.pid, []).append(conn.laddr.port)
    if not holders:
        return "Stop what uses them or set CASCADE_<SERVICE>_PORT."
    lines = []
    for pid, held in sorted(holders.items()):
        try:
            command = shlex.join(psutil.Process(pid).cmdline()) or "?"
        except psutil.Error:
            command = "?"
        lines.append(f"pid {pid} holds {', '.join(map(str, sorted(set(held))))}: {command[:160]}")
    stale = any("cascade" in line for line in lines)
    hint = (
        "These look like a stack left from an earlier `cascade up`"
        if stale
        else "Held by other programs"
    )
    return (
        f"{hint}:\n  "
        + "\n  ".join(lines)
        + f"\nStop them with: kill {' '.join(str(pid) for pid in sorted(holders))}"
        + "  (or set CASCADE_<SERVICE>_PORT)"
    )
