"""Scenarios 1 and 2 together: intake under wrk and its pgbench ceiling, interleaved per concurrency level so
that both see the database at the same size."""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Any

from bench import cpu
from bench.ceiling import (
    capture_intake_statements,
    captured_citizen,
    inserted_row_ids,
    parse_log,
    pgbench_script,
    request_transaction,
    run_pgbench,
    unique_column_values,
)
from bench.environment import Postgres
from bench.intake import contact_body, lua_script, run_wrk
from bench.service import Service
from bench.world import World

log = logging.getLogger("bench")
CAPTURE_CITIZEN = 43_217


def run_intake_and_ceiling(
    args: argparse.Namespace,
    chosen: list[str],
    wrk: str,
    postgres: Postgres,
    service: Service,
    world: World,
    scratch: Path,
) -> dict[str, Any]:
    """Both scenarios against one service; its scripts and captured SQL go to `scratch` (the tree's own)."""
    threads = os.cpu_count() or 1
    script = scratch / "intake.lua"
    script.write_text(lua_script(world.writer_key, world.citizens))
    if args.warmup > 0:
        log.info("intake warm-up: %.0f s at %d connections", args.warmup, args.connection_levels[0])
        run_wrk(wrk, script, service.base_url, args.connection_levels[0], args.warmup, threads)

    ceiling: dict[str, Any] | None = None
    variables: dict[str, str] = {}
    pgbench_file = scratch / "intake.pgbench.sql"
    if "ceiling" in chosen:
        time.sleep(2)  # let the warm-up's last requests finish, so the capture is alone
        # A citizen whose id is unlikely to equal any other value the request binds (see pgbench_script).
        body = contact_body(CAPTURE_CITIZEN - 1, world.citizens)
        captured, response = capture_intake_statements(postgres, service.base_url, body, world.writer_key)
        (scratch / "intake.capture.log").write_text(captured)
        statements = request_transaction(parse_log(captured))
        text, variables = pgbench_script(
            statements,
            unique_column_values(postgres, statements),
            inserted_row_ids(postgres, statements, response["ticket"]["reference"]),
            captured_citizen(postgres, response, world.citizens),
        )
        pgbench_file.write_text(text)
        log.info("captured %d statements of one intake request -> %s", len(statements), pgbench_file)
        ceiling = {"statements_per_request": len(statements), "script": str(pgbench_file), "runs": []}

    intake: dict[str, Any] = {"runs": []}
    for connections in args.connection_levels:
        if "intake" in chosen:
            log.info("intake: %.0f s at %d connections", args.seconds, connections)
            children = cpu.database_children(postgres.postmaster_pid)
            before, machine_before = cpu.usage(service.process.pid), cpu.machine_usage(postgres.postmaster_pid)
            result = run_wrk(wrk, script, service.base_url, connections, args.seconds, threads)
            # Requests still in flight when wrk stops are not counted: a few in thousands.
            server = cpu.per_request(before, cpu.usage(service.process.pid), result.requests)
            server |= cpu.machine_per_request(
                machine_before, cpu.settled_machine_usage(postgres.postmaster_pid, children), result.requests
            )
            log.info(
                "intake: %.0f req/s, p99 %.1f ms, %d errors, server CPU %.2f ms per request",
                result.requests_per_second,
                result.p99_ms,
                result.errors,
                server["server_cpu_ms_per_request"],
            )
            intake["runs"].append({**result.as_dict(), **server})
        if ceiling is not None and "error" not in ceiling:
            log.info("ceiling: pgbench %.0f s with %d clients", args.seconds, connections)
            try:
                children = cpu.database_children(postgres.postmaster_pid)
                machine_before = cpu.machine_usage(postgres.postmaster_pid)
                bench = run_pgbench(postgres, pgbench_file, variables, connections, args.seconds, threads)
                # pgbench's connections are still ending when it exits (bench/cpu.py).
                bench.cpu = cpu.machine_per_request(
                    machine_before, cpu.settled_machine_usage(postgres.postmaster_pid, children), bench.transactions
                )
            except RuntimeError as exc:
                # The intake figures stand on their own; the failure is reported, not hidden.
                log.error("ceiling: %s", exc)
                ceiling["error"] = str(exc)[:2000]
                continue
            log.info("ceiling: %.0f TPS", bench.tps)
            ceiling["runs"].append(bench.as_dict())
    out: dict[str, Any] = {}
    if "intake" in chosen:
        out["intake"] = intake
    if ceiling is not None:
        if "intake" in chosen and "error" not in ceiling:
            ceiling["ratio"] = {
                str(run["connections"]): round(run["requests_per_second"] / bench_run["tps"], 3)
                for run, bench_run in zip(intake["runs"], ceiling["runs"], strict=True)
                if bench_run["tps"] > 0
            }
        out["ceiling"] = ceiling
    return out
