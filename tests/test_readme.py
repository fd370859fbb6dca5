"""The newcomer's path: the README's Quick start, Try it and Console shell blocks run exactly as written.

The service starts as `make run` starts it (make's own recipe, minus the venv install: this suite runs in that
venv), on a free port and a data folder of its own chosen the way the README says. The README's blocks then run
one after another in a shell that holds what the reader pasted first: the `export` line the service printed.
`make test` is this suite; make is only asked whether it knows the target (running it would run this test again).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from genk3600.cli import COMMAND_INDENT
from tests.factories import free_port, stop_process, wait_until_ready

pytestmark = pytest.mark.process

STARTUP_TIMEOUT = 120.0
STEP_TIMEOUT = 120.0
WALKED_SECTIONS = ("Quick start", "Try it", "Console")


def _sections(readme: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", readme, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def _shell_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)


def _commands(block: str) -> list[str]:
    """The block's commands without their comments."""
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def _clean_environment() -> dict[str, str]:
    """A new terminal: nothing of Genk3600 configured (this suite's own settings left out)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}


def _make(repo_root: Path, *args: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", *args], cwd=repo_root, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _printed_commands(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith(COMMAND_INDENT) and line.strip()]


def _no_warning(text: str) -> bool:
    return "Warning" not in text and " WARNING " not in text


def test_every_readme_step_runs_as_written(repo_root: Path, run_dir: Path) -> None:
    sections = _sections((repo_root / "README.md").read_text(encoding="utf-8"))
    quick_start = sections["Quick start"]
    first, *examples = _shell_blocks(quick_start)
    assert _commands(first) == ["make run", "make test"], "the Quick start is two commands"
    assert "GENK3600_PORT" in quick_start
    assert "GENK3600_DATA_DIR" in quick_start
    examples += [block for title in WALKED_SECTIONS[1:] for block in _shell_blocks(sections[title])]
    assert len(examples) >= 4
    for block in examples:
        assert ":8000" not in block, f"a step hard-codes the port:\n{block}"

    _make(repo_root, "-n", "test")
    # The recipe `make run` runs once the venv is installed ("-o": do not install it again).
    (recipe,) = _make(repo_root, "-n", "-o", ".venv/.installed-run", "run").strip().splitlines()
    words = shlex.split(recipe)
    assignments = [word for word in words if re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", word)]
    argv = words[len(assignments) :]
    assert words[: len(assignments)] == assignments, recipe

    # As root the embedded server runs as another user; the run's own folder is one it may enter.
    work = Path(tempfile.mkdtemp(dir=run_dir, prefix="readme-"))
    data_dir, port = work / "genk3600-b", free_port()
    env = _clean_environment()
    env.update(dict(assignment.split("=", 1) for assignment in assignments))
    env.update({"GENK3600_PORT": str(port), "GENK3600_DATA_DIR": str(data_dir)})
    out, err = work / "serve.out", work / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        service = subprocess.Popen(argv, cwd=repo_root, env=env, stdout=stdout, stderr=stderr, text=True)
    try:
        wait_until_ready(service, f"http://127.0.0.1:{port}", err, STARTUP_TIMEOUT)
        printed = _printed_commands(out.read_text())
        exports = [command for command in printed if command.startswith("export ")]
        assert len(exports) == 1, out.read_text()

        # Every command the service printed runs as printed, in a new terminal anywhere.
        for command in printed:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=work,
                env=_clean_environment(),
                capture_output=True,
                text=True,
                timeout=STEP_TIMEOUT,
                check=False,
            )
            assert done.returncode == 0, f"{command}\n{done.stderr}"
            assert _no_warning(done.stdout + done.stderr), f"{command}\n{done.stderr}"

        # The README's steps, in order, in one terminal (in the repository's folder) that keeps what earlier
        # steps set; -e: a block fails at its first failing command, as a careful reader would stop there; -u: a
        # misspelt variable fails instead of sending an empty key.
        state = work / "terminal.sh"
        state.write_text(exports[0] + "\n")
        keep = shlex.quote(str(state))
        for block in examples:
            script = f"set -a\n. {keep}\nset -eu -o pipefail\n{block}\nexport -p > {keep}\n"
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=repo_root,
                env=_clean_environment(),
                capture_output=True,
                text=True,
                timeout=STEP_TIMEOUT,
                check=False,
            )
            assert done.returncode == 0, f"step failed:\n{block}\n{done.stdout}\n{done.stderr}"
            assert _no_warning(done.stdout + done.stderr), f"step warned:\n{block}\n{done.stderr}"
    finally:
        stop_process(service)

    assert service.returncode == 0, err.read_text()
    assert _no_warning(out.read_text() + err.read_text()), err.read_text()
    # The embedded PostgreSQL the service started stopped with it.
    deadline = time.monotonic() + 30
    while (data_dir / "pgdata" / "postmaster.pid").exists():
        assert time.monotonic() < deadline, "embedded PostgreSQL still running after the service stopped"
        time.sleep(0.2)
    # Nothing of the walk started a second database: the only one is where the README said to put it.
    assert sorted(path.name for path in work.iterdir()) == ["genk3600-b", "serve.err", "serve.out", "terminal.sh"]
