"""Where a run's CPU time went, by process group: the web server (its root and every worker),
PostgreSQL (every `postgres` process: the server's backends, its writer and WAL writer), the
load generator (wrk, a child of this process: counted when it has been waited for), and the
whole machine (/proc/stat), so that what else ran is seen too. Linux only.

    before = cpu_snapshot(server_pid)
    ... the run ...
    spent = cpu_spent(before, cpu_snapshot(server_pid))   # seconds per group
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from http_server import children_of

TICKS = os.sysconf("SC_CLK_TCK")


def _process_seconds(pid: int) -> tuple[str, float] | None:
    """The process's name and its user + system CPU seconds so far."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return name, (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _machine_busy_seconds() -> float:
    """CPU seconds of every core not idle or waiting for I/O since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = values[3], values[4]
    return (sum(values[:8]) - idle - iowait) / TICKS  # without guest time, counted in user


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds so far: of each server and PostgreSQL process (by pid), of the waited-for
    children (wrk), and of the machine."""
    server = {pid: found[1] for pid in [server_pid, *children_of(server_pid)]
              if (found := _process_seconds(pid))}
    postgres = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (found := _process_seconds(int(entry.name))) \
                and found[0] == "postgres":
            postgres[int(entry.name)] = found[1]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"server": server, "postgres": postgres,
            "load": children.ru_utime + children.ru_stime,
            "machine": _machine_busy_seconds()}


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes alive at the end spent since `before` (a process that ended
    in between takes its time with it: the bench's own database connections, mostly)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """Seconds each group spent between two snapshots, and `other`: the machine's busy time
    that none of the groups accounts for (this process, other work on the machine)."""
    spent = {"server": _grown(before["server"], after["server"]),
             "postgres": _grown(before["postgres"], after["postgres"]),
             "load": after["load"] - before["load"],
             "machine": after["machine"] - before["machine"]}
    spent["other"] = spent["machine"] - spent["server"] - spent["postgres"] - spent["load"]
    return spent
