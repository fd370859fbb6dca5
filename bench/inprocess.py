"""CPU per intake and per queue page, and the SLA sweep, in process, before/after alternated on one database.

`python -m bench.inprocess intake --trees OLD,NEW --rounds 3` starts one embedded PostgreSQL with the bench world,
then runs each tree's code in turn (a child process with `PYTHONPATH=<tree>/src`) for `--requests` sequential web
intakes through httpx's ASGITransport against `create_app` with production settings and its lifespan (the reference
listener on). Each child prints its `time.process_time()` per request (service + client, the same client in both
trees) and the statements per request. `--profile out.txt` writes a pyinstrument profile of the last child's loop.
`--calls N` then sends N more requests counting the Python and C function calls they make (`sys.setprofile`): a
figure that does not move with the machine's load, for comparing trees when the CPU figures are too noisy.

`python -m bench.inprocess queue --trees OLD,NEW --rounds 3 --tickets 100000` loads that many tickets once, then
each child reads the first page of a unit's queue (`GET /v1/queues/omgeving?limit=25` as a staff member with a
bearer token signed by bench/jwks.py, the request bench/scale.py makes) `--requests` times: CPU and statements per
request as for the intake.

`python -m bench.inprocess sweep --trees OLD,NEW --rounds 3 --tickets 1000000` loads the scale scenario's tickets
(1,000 due for the sweeper) once, then before each child puts the due tickets back as they were loaded
(VACUUM ANALYZE after, as autovacuum would) and times one `sweep_once`.

A tree is a checkout's root (its `src/` is imported); `.` is this one. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.environment import REPO_ROOT, Postgres, lock_work_dir
from bench.service import new_secret_key
from bench.trees import tree_child

CITIZENS = 50_000
_DUE_STATE = "id, next_sla_check_at, sla_warned_at, sla_breached_at, status, owning_unit_id, tier, version"


def _settings_env(postgres: Postgres, secret: str) -> dict[str, str]:
    return {
        "GENK3600_ENV": "production",
        "GENK3600_SECRET_KEY": secret,
        "GENK3600_DATABASE_URL": postgres.url().render_as_string(hide_password=False),
        "GENK3600_LOG_LEVEL": "WARNING",
        "GENK3600_RUN_JOBS": "false",
        "GENK3600_MIGRATIONS_DIR": str(REPO_ROOT / "migrations"),
        "GENK3600_API_KEY_REQUESTS_PER_MINUTE": "100000000",
        "GENK3600_JWKS_URL": "http://127.0.0.1:9/jwks.json",
        "GENK3600_JWT_ISSUER": "https://bench.invalid",
    }


def _write_profile(profiler: Any, path: str) -> None:
    """The call tree, and next to it (`.flat`) the functions by inclusive time: greenlets (the ORM's sync flush)
    cut the tree, the flat list does not."""
    from pyinstrument.renderers import ConsoleRenderer

    Path(path).write_text(profiler.output_text(unicode=False, show_all=False))
    flat = ConsoleRenderer(flat=True, flat_time="total", show_all=True)
    Path(path + ".flat").write_text(profiler.output(flat))


# --- children: the code under test ---------------------------------------------------------------------------------
async def _measured(
    send: Callable[[Any, int], Awaitable[None]], requests: int, warmup: int, profile: str | None, calls: int = 0
) -> dict[str, Any]:
    """`warmup` then `requests` calls of `send(client, n)` through httpx's ASGITransport against `create_app` with
    production settings and its lifespan: CPU and wall time per request and statements per request."""
    import httpx
    from sqlalchemy import event

    from genk3600.app import create_app
    from genk3600.config import get_settings
    from genk3600.db import async_url

    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL is not set")
    app = create_app(settings, async_url(settings.database_url.get_secret_value()))
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    async with app.router.lifespan_context(app):
        event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", count)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for n in range(warmup):
                await send(client, n)
            statements = 0
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled", interval=0.0005)
                profiler.start()
            cpu, wall = time.process_time(), time.perf_counter()
            for n in range(warmup, warmup + requests):
                await send(client, n)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if profiler is not None:
                profiler.stop()
                _write_profile(profiler, profile or "")
            counted = await _counted_calls(send, client, warmup + requests, calls) if calls else None
    return {
        "cpu_ms_per_request": round(1000 * cpu / requests, 3),
        "wall_ms_per_request": round(1000 * wall / requests, 3),
        "statements_per_request": round(statements / requests, 2),
        **({"calls_per_request": round(counted / calls)} if counted is not None else {}),
    }


async def _counted_calls(send: Callable[[Any, int], Awaitable[None]], client: Any, first: int, requests: int) -> int:
    """Python and C function calls made by `requests` more calls of `send` (service and client): the same count
    on a busy machine as on an idle one, unlike CPU time."""
    counted = 0

    def count(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal counted
        if event == "call" or event == "c_call":
            counted += 1

    sys.setprofile(count)
    try:
        for n in range(first, first + requests):
            await send(client, n)
    finally:
        sys.setprofile(None)
    return counted


async def _intake_child(
    key: str, first: int, requests: int, warmup: int, profile: str | None, calls: int = 0
) -> dict[str, Any]:
    from bench.intake import contact_body

    async def post(client: Any, n: int) -> None:
        number = first + n
        body = contact_body(number, CITIZENS)
        # A citizen no earlier run used: no follow-ups, as in the harness's first pass over the population.
        body["citizen"] = {"email": f"burger{1 + number % CITIZENS}@example.org"}
        headers = {"X-API-Key": key, "Idempotency-Key": f"inproc-{number}"}
        answer = await client.post("/v1/contacts", json=body, headers=headers)
        if answer.status_code != 201:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:500]}")

    return await _measured(post, requests, warmup, profile, calls)


async def _queue_child(token: str, requests: int, warmup: int, profile: str | None, calls: int = 0) -> dict[str, Any]:
    from bench.world import QUEUE_UNIT

    headers = {"Authorization": f"Bearer {token}"}

    async def get(client: Any, _: int) -> None:
        answer = await client.get(f"/v1/queues/{QUEUE_UNIT}?limit=25", headers=headers)
        if answer.status_code != 200 or len(answer.json()["items"]) != 25:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:500]}")

    return await _measured(get, requests, warmup, profile, calls)


async def _sweep_child(profile: str | None, batch: int | None) -> dict[str, Any]:
    from genk3600.config import get_settings
    from genk3600.db import Database, async_url
    from genk3600.kit.clock import SystemClock
    from genk3600.sla.sweeper import sweep_once

    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL is not set")
    database = Database.connect(async_url(settings.database_url.get_secret_value()), pool_size=2)
    try:
        # As the process that runs the sweeper does once started (app lifespan, `genk3600 worker`), in trees
        # that do so; this child's heap (no app imported) is smaller than a service's either way.
        try:
            from genk3600.kit.heap import freeze_startup_heap
        except ImportError:
            pass
        else:
            freeze_startup_heap()
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled", interval=0.0005)
            profiler.start()
        cpu, wall = time.process_time(), time.perf_counter()
        now = SystemClock().now()
        result = await (
            sweep_once(database.sessions, settings, now, batch)
            if batch
            else sweep_once(database.sessions, settings, now)
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            profiler.stop()
            _write_profile(profiler, profile)
    finally:
        await database.dispose()
    return {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "checked": result.checked}


# --- parent: one database, the trees alternated --------------------------------------------------------------------
async def _prepare(postgres: Postgres, env: dict[str, str]) -> str:
    from bench.world import build_world
    from genk3600.config import Settings

    settings = Settings(
        env="production", secret_key=env["GENK3600_SECRET_KEY"], database_url=env["GENK3600_DATABASE_URL"]
    )
    world = await build_world(postgres.url(), settings, CITIZENS)
    return world.writer_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("what", choices=["intake", "queue", "sweep", "_intake", "_queue", "_sweep"])
    parser.add_argument("--trees", default=".", help="comma-separated checkouts, alternated (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--profile", default=None, help="pyinstrument text profile of the last child to this file")
    parser.add_argument("--batch", type=int, default=None, help="sweep: sweep_once's batch (default: its own)")
    parser.add_argument("--calls", type=int, default=0, help="then count the function calls of this many requests")
    parser.add_argument("--key", default="")
    parser.add_argument("--first", type=int, default=0)
    args = parser.parse_args(argv)
    if args.what == "_intake":
        measured = _intake_child(args.key, args.first, args.requests, args.warmup, args.profile, args.calls)
        print(json.dumps(asyncio.run(measured)))
        return 0
    if args.what == "_queue":
        token = os.environ["BENCH_STAFF_TOKEN"]
        print(json.dumps(asyncio.run(_queue_child(token, args.requests, args.warmup, args.profile, args.calls))))
        return 0
    if args.what == "_sweep":
        print(json.dumps(asyncio.run(_sweep_child(args.profile, args.batch))))
        return 0
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    lock_work_dir()
    # A tree may name the sweep's batch too: `.@1000`.
    trees = [tree.partition("@") for tree in args.trees.split(",")]
    postgres = Postgres.start_fresh()
    idp = None
    try:
        env = _settings_env(postgres, new_secret_key())
        key = asyncio.run(_prepare(postgres, env))
        if args.what in ("sweep", "queue"):
            from bench.scale import load_tickets

            asyncio.run(load_tickets(postgres, args.tickets, CITIZENS))
        if args.what == "sweep":
            postgres.psql(f"CREATE TABLE bench_due AS SELECT {_DUE_STATE} FROM ticket WHERE next_sla_check_at <= now()")
        if args.what == "queue":
            from bench.jwks import ISSUER, IdentityProvider
            from bench.world import QUEUE_STAFF

            idp = IdentityProvider()
            env.update(
                GENK3600_JWKS_URL=idp.jwks_url, GENK3600_JWT_ISSUER=ISSUER, BENCH_STAFF_TOKEN=idp.token(QUEUE_STAFF)
            )
            postgres.psql("VACUUM ANALYZE")
        first = 0
        runs = [(round_, tree) for round_ in range(args.rounds) for tree in trees]
        for n, (round_, (tree, _, batch)) in enumerate(runs):
            profile = args.profile if n == len(runs) - 1 else None
            load = os.getloadavg()[0]
            if args.what == "queue":
                child = ["_queue", "--requests", str(args.requests), "--warmup", str(args.warmup)]
                child += ["--calls", str(args.calls)]
            elif args.what == "intake":
                child = ["_intake", "--key", key, "--first", str(first), "--requests", str(args.requests)]
                child += ["--warmup", str(args.warmup), "--calls", str(args.calls)]
                first += args.requests + args.warmup + args.calls
            else:
                columns = [c.strip() for c in _DUE_STATE.split(",") if c.strip() != "id"]
                assignments = ", ".join(f"{c} = d.{c}" for c in columns)
                postgres.psql(f"UPDATE ticket t SET {assignments} FROM bench_due d WHERE t.id = d.id")
                postgres.psql("VACUUM ANALYZE ticket")
                postgres.psql("VACUUM ANALYZE audit_entry")
                postgres.psql("VACUUM ANALYZE ticket_event")
                batch = batch or (str(args.batch) if args.batch else "")
                child = ["_sweep", *(["--batch", batch] if batch else [])]
                postgres.psql("SELECT pg_stat_statements_reset()")
            result = tree_child("bench.inprocess", tree, env, [*child, *(["--profile", profile] if profile else [])])
            if args.what == "sweep":
                # The database's share: its execution time, and the costliest statements.
                top = postgres.psql(
                    "SELECT round(sum(total_exec_time)::numeric, 1) || ' ms' FROM pg_stat_statements "
                    "UNION ALL (SELECT round(total_exec_time::numeric, 1) || ' ms ' || calls || 'x ' "
                    "|| left(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_statements "
                    "ORDER BY total_exec_time DESC LIMIT 4)"
                )
                result["database"] = [line for line in top.splitlines() if line]
            print(
                json.dumps({"round": round_, "tree": tree, "batch": batch, "load_average_1m": round(load, 2), **result})
            )
            sys.stdout.flush()
    finally:
        if idp is not None:
            idp.close()
        postgres.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
