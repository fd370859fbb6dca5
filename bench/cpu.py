"""Server CPU and involuntary context switches per request, from /proc of the service's processes.

The uvicorn supervisor and its workers share one process group (the harness starts uvicorn in a session of its
own); every process of that group is read, so no worker is missed. utime + stime are in clock ticks
(`SC_CLK_TCK`, 100 per second on Linux): over a few hundred requests the per-request figure is good to a
few hundredths of a millisecond. Involuntary context switches (`nonvoluntary_ctxt_switches`, summed over the
threads) count how often the scheduler took a CPU away mid-work: on a shared 2-core machine they show how much
the other load interfered.

PostgreSQL's CPU is read the same way from its postmaster: its own time, the time of the backends it has reaped
(`cutime` + `cstime`, so a connection that closed in between is not lost) and that of its live children. With
both, a request's whole CPU on this machine is known, and so is the rate the cores allow. A backend that is
ending is for a moment in neither (it has left the live children and its time has not yet reached the
postmaster's reaped children): read right after pgbench exits, its sixteen ending backends made the ceiling's
CPU per transaction 1.27 instead of 2.26 ms. So a reading after a run first waits for the run's connections to
be gone (`settled_machine_usage`).
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROC = Path("/proc")
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    cpu_ms: float
    involuntary_switches: int
    processes: int


def _stat_fields(stat: str) -> list[str]:
    """The fields of a /proc/<pid>/stat line after the command name (field 3 onwards, from index 0)."""
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    return stat[stat.rindex(")") + 2 :].split()


def _every_process() -> Iterator[tuple[int, list[str]]]:
    """Every process's pid and stat fields (see `_stat_fields`); those that end meanwhile are left out."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        yield int(entry.name), _stat_fields(stat)


def _group_members(pgid: int) -> list[int]:
    return [pid for pid, fields in _every_process() if int(fields[2]) == pgid]  # field 5, pgrp


def _process(pid: int) -> tuple[float, int] | None:
    try:
        fields = _stat_fields((PROC / str(pid) / "stat").read_text())
        cpu = (int(fields[11]) + int(fields[12])) * TICK_MS  # fields 14 and 15: utime, stime
        switches = 0
        for task in (PROC / str(pid) / "task").iterdir():
            for line in (task / "status").read_text().splitlines():
                if line.startswith("nonvoluntary_ctxt_switches:"):
                    switches += int(line.split()[1])
    except (OSError, ValueError):
        return None
    return cpu, switches


def usage(pgid: int) -> Usage:
    """CPU time so far and involuntary switches of every process in the group."""
    cpu, switches, count = 0.0, 0, 0
    for pid in _group_members(pgid):
        figures = _process(pid)
        if figures is not None:
            cpu += figures[0]
            switches += figures[1]
            count += 1
    return Usage(cpu, switches, count)


def database_cpu_ms(postmaster_pid: int) -> float:
    """CPU time so far of a PostgreSQL server: the postmaster, its reaped children and its live ones."""
    fields = _stat_fields((PROC / str(postmaster_pid) / "stat").read_text())
    total = sum(int(fields[i]) for i in (11, 12, 13, 14)) * TICK_MS  # fields 14-17: utime, stime, cutime, cstime
    for _pid, child in _every_process():
        if int(child[1]) == postmaster_pid:  # field 4, ppid
            total += (int(child[11]) + int(child[12])) * TICK_MS
    return total


@dataclass(frozen=True)
class MachineUsage:
    database_cpu_ms: float
    # The harness's reaped children: the load generator (wrk or pgbench) of the run in between.
    client_cpu_ms: float


def machine_usage(postmaster_pid: int) -> MachineUsage:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return MachineUsage(database_cpu_ms(postmaster_pid), (children.ru_utime + children.ru_stime) * 1000)


def database_children(postmaster_pid: int) -> int:
    """How many processes the server has: its background processes and a backend per connection."""
    return sum(1 for _pid, fields in _every_process() if int(fields[1]) == postmaster_pid)  # field 4, ppid


def settled_machine_usage(postmaster_pid: int, children_before: int, timeout: float = 1.0) -> MachineUsage:
    """`machine_usage` once the connections a run opened have ended (its children back to `children_before`),
    or after `timeout` seconds (an autovacuum worker that started meanwhile may keep the count up)."""
    deadline = time.monotonic() + timeout
    while database_children(postmaster_pid) > children_before and time.monotonic() < deadline:
        time.sleep(0.005)
    return machine_usage(postmaster_pid)


def machine_per_request(before: MachineUsage, after: MachineUsage, requests: int) -> dict[str, Any]:
    """PostgreSQL's and the load generator's CPU per request between two readings, and the cores they ran on."""
    requests = max(requests, 1)
    return {
        "database_cpu_ms_per_request": round((after.database_cpu_ms - before.database_cpu_ms) / requests, 3),
        "client_cpu_ms_per_request": round((after.client_cpu_ms - before.client_cpu_ms) / requests, 3),
        "cores": os.cpu_count() or 1,
    }


def per_request(before: Usage, after: Usage, requests: int) -> dict[str, Any]:
    """The difference of two readings, per request."""
    requests = max(requests, 1)
    switches = after.involuntary_switches - before.involuntary_switches
    return {
        "server_cpu_ms_per_request": round((after.cpu_ms - before.cpu_ms) / requests, 3),
        "involuntary_switches_per_request": round(switches / requests, 3),
        "server_processes": after.processes,
    }
