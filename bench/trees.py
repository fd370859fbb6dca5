"""The code a run measures: the working tree, and with `--before REF` also REF's tree, exported with `git archive`.

Both run with this checkout's harness (`bench/`): the service, the world's migration and seeding, the SLA sweeper
and the import run in child processes with `PYTHONPATH=<tree>/src:<this checkout>`, so `genk3600` (its code and
its migrations) is the tree's own and `bench` is ours. Each tree gets its own database on the run's PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.environment import DATABASE, REPO_ROOT, WORK_DIR, git_commit

# Written last into an export: a directory without it is a half-finished export and is made again.
_COMPLETE = ".bench-export-complete"


@dataclass(frozen=True)
class Tree:
    label: str  # "before" or "after"
    root: Path  # a checkout's root: its src/ and migrations/
    commit: str
    database: str
    scratch: Path  # the run's generated files for this tree (scripts, captured SQL, logs)

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        """`base` with this tree's code first on the path and its own migrations."""
        return tree_environment(self.root, base)


def tree_environment(root: Path | str, base: dict[str, str]) -> dict[str, str]:
    """`base` with a checkout's code first on the path and its own migrations."""
    return {**base, "PYTHONPATH": code_path(root), "GENK3600_MIGRATIONS_DIR": str(Path(root).resolve() / "migrations")}


def code_path(root: Path | str) -> str:
    """The PYTHONPATH that runs a checkout's `genk3600` (`root/src`) with this checkout's `bench`."""
    return os.pathsep.join([str(Path(root).resolve() / "src"), str(REPO_ROOT)])


def tree_child(module: str, root: Path | str, env: dict[str, str], args: list[str]) -> dict[str, Any]:
    """`python -m MODULE ARGS` with a checkout's code (the alternating tools' children: bench/inprocess.py,
    bench/search_inprocess.py, bench/reads.py); its last line of output is the JSON answer."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **env, "PYTHONPATH": code_path(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child in {root} failed:\n{out.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def working_tree(compare: bool) -> Tree:
    # A compare run keeps each tree's files apart; a plain run writes where it always did.
    scratch = WORK_DIR / "after" if compare else WORK_DIR
    scratch.mkdir(parents=True, exist_ok=True)
    return Tree("after", REPO_ROOT, git_commit(), DATABASE, scratch)


def resolve(ref: str) -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"--before {ref!r} is not a commit of this repository")
    return out.stdout.strip()


def export_before(ref: str) -> Tree:
    """REF's tree in bench/.work/before-<sha>/ (exported once, reused while complete)."""
    commit = resolve(ref)
    root = WORK_DIR / f"before-{commit[:12]}"
    if not (root / _COMPLETE).exists():
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=REPO_ROOT, stdout=subprocess.PIPE)
        unpacked = subprocess.run(["tar", "-x", "-C", str(root)], stdin=archive.stdout, check=False)
        if archive.stdout is not None:
            archive.stdout.close()  # git gets SIGPIPE if tar stopped early, instead of waiting forever
        if archive.wait() != 0 or unpacked.returncode != 0:
            raise RuntimeError(f"git archive {commit} | tar -x: exit {archive.returncode} and {unpacked.returncode}")
        (root / _COMPLETE).write_text(commit + "\n")
    for needed in ("src/genk3600", "migrations"):
        if not (root / needed).is_dir():
            raise RuntimeError(f"{ref} ({commit[:12]}) has no {needed}/: not a Genk3600 tree the harness can run")
    scratch = WORK_DIR / "before"
    scratch.mkdir(parents=True, exist_ok=True)
    return Tree("before", root, commit, f"{DATABASE}_before", scratch)


def run_child(tree: Tree, env: dict[str, str], *args: str) -> dict[str, Any]:
    """`python -m bench.child ARGS` with the tree's code; its last line of output is the JSON answer."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.child", *args],
        cwd=REPO_ROOT,
        env=tree.environment(env),
        capture_output=True,
        text=True,
        check=False,
    )
    (tree.scratch / f"child-{args[0]}.log").write_text(out.stdout + out.stderr)
    if out.returncode != 0 or not out.stdout.strip():
        # The error's last line first: the table shows the first line of a failure.
        last = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit status {out.returncode}"
        raise RuntimeError(f"{last} ({args[0]}, {tree.label} tree {tree.commit[:12]})\n{out.stderr.strip()[-2000:]}")
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer
