"""Search latency at 1M tickets, in process, before/after alternated on one kept database.

`python -m bench.search_inprocess build` starts an embedded PostgreSQL in `$BENCH_WORK_DIR` (default
bench/.work), seeds the bench world and loads the scale scenario's tickets (`--tickets`, 1,000,000 with a contact
each, `bench/scale.py`), then leaves the server running and writes where it listens to `search-world.json`:
building takes minutes, a comparison should not.

`python -m bench.search_inprocess run --trees OLD,NEW --rounds 3` runs each tree's code in turn (a child process
with `PYTHONPATH=<tree>/src`) against that server: the scale scenario's Dutch and French searches
(`bench.scale.SEARCH_TERMS`, `limit=25`, the reader's API key), one request at a time through httpx's
ASGITransport against `create_app` with production settings, `--samples` of each after 20 warm-up requests.
Per kind: p50 / p99 / max wall time, CPU per request (`time.process_time`: service and client), and the database's
time per request from `pg_stat_statements` (reset before each kind), with the 1-minute load average beside it.
No uvicorn and no socket: the figure is the service's and the database's own time.

`python -m bench.search_inprocess stop` stops the server. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import warnings
from typing import Any

from bench.environment import DATABASE, WORK_DIR, Postgres, lock_work_dir, stop_leftover
from bench.inprocess import _settings_env
from bench.scale import SEARCH_TERMS, build_kept_world, summarise
from bench.service import new_secret_key
from bench.trees import tree_child

CITIZENS = 50_000
STATE = WORK_DIR / "search-world.json"


async def _search_child(key: str, samples: int) -> dict[str, Any]:
    import asyncpg
    import httpx

    from genk3600.app import create_app
    from genk3600.config import get_settings
    from genk3600.db import async_url

    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL is not set")
    app = create_app(settings, async_url(settings.database_url.get_secret_value()))
    stats = await asyncpg.connect(host=os.environ["BENCH_SOCKET_DIR"], user="postgres", database=DATABASE)
    out: dict[str, Any] = {}
    headers = {"X-API-Key": key}
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for kind, terms in SEARCH_TERMS.items():

                    async def search(n: int, terms: list[str] = terms) -> float:
                        started = time.perf_counter()
                        answer = await client.get(
                            "/v1/search/tickets", params={"q": terms[n % len(terms)], "limit": 25}, headers=headers
                        )
                        if answer.status_code != 200:
                            raise RuntimeError(f"{answer.status_code}: {answer.text[:500]}")
                        return (time.perf_counter() - started) * 1000

                    for n in range(20):
                        await search(n)
                    await stats.execute("SELECT pg_stat_statements_reset()")
                    cpu = time.process_time()
                    timings = [await search(n) for n in range(samples)]
                    cpu = time.process_time() - cpu
                    database_ms = await stats.fetchval(
                        "SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements "
                        "WHERE query NOT ILIKE '%pg_stat_statements%'"
                    )
                    # The slowest term: what the p99 is made of.
                    by_term: dict[str, list[float]] = {}
                    for n, elapsed in enumerate(timings):
                        by_term.setdefault(terms[n % len(terms)], []).append(elapsed)
                    slowest = max(by_term, key=lambda term: sorted(by_term[term])[len(by_term[term]) // 2])
                    summary = summarise(timings)
                    out[kind] = {
                        "p50_ms": summary["p50_ms"],
                        "p99_ms": summary["p99_ms"],
                        "max_ms": summary["max_ms"],
                        "cpu_ms_per_request": round(1000 * cpu / samples, 2),
                        "db_ms_per_request": round(float(database_ms) / samples, 2),
                        "slowest_term": slowest,
                        "p50_ms_by_term": {
                            term: round(sorted(times)[len(times) // 2], 1) for term, times in by_term.items()
                        },
                    }
    finally:
        await stats.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_inprocess", description=__doc__)
    parser.add_argument("what", choices=["build", "run", "stop", "_search"])
    parser.add_argument("--trees", default=".", help="comma-separated checkouts, alternated (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=120, help="requests per kind and run (default 120)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--key", default="")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    if args.what == "_search":
        print(json.dumps(asyncio.run(_search_child(args.key, args.samples))))
        return 0
    if args.what == "stop":
        stop_leftover(WORK_DIR / "pgdata")
        return 0
    lock_work_dir()
    if args.what == "build":
        postgres = Postgres.start_fresh()
        env = _settings_env(postgres, new_secret_key())
        key = asyncio.run(build_kept_world(postgres, env, args.tickets, CITIZENS))
        STATE.write_text(json.dumps({"socket_dir": postgres.socket_dir, "key": key, "env": env}))
        print(f"built {args.tickets} tickets; server left running, state in {STATE}")
        return 0
    state = json.loads(STATE.read_text())
    env = {**state["env"], "BENCH_SOCKET_DIR": state["socket_dir"]}
    trees = args.trees.split(",")
    for round_ in range(args.rounds):
        for tree in trees:
            load = os.getloadavg()[0]
            child = ["_search", "--key", state["key"], "--samples", str(args.samples)]
            result = tree_child("bench.search_inprocess", tree, env, child)
            print(json.dumps({"round": round_, "tree": tree, "load_average_1m": round(load, 2), **result}))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
