"""The steps of a run that call the measured tree's own code in process, each in a child with that tree's code
first on the path (bench/trees.py): `python -m bench.child world` migrates with the tree's migrations and seeds
the world; `python -m bench.child sweep` times one SLA sweeper pass. Settings come from the GENK3600_* environment;
the answer is one line of JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import warnings
from dataclasses import asdict
from typing import Any


async def _world() -> dict[str, Any]:
    from bench.world import build_world
    from genk3600.config import get_settings
    from genk3600.db import async_url

    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL is not set")
    world = await build_world(async_url(settings.database_url.get_secret_value()), settings)
    return {"world": asdict(world)}


async def _sweep() -> dict[str, Any]:
    from genk3600.config import get_settings
    from genk3600.db import Database, async_url

    try:
        from genk3600.kit.clock import SystemClock
        from genk3600.sla.sweeper import sweep_once

        now = SystemClock().now()
    except ImportError:  # a tree before 0856f70: the sweeper in escalation/, the clock a function
        from genk3600.escalation.sweeper import sweep_once  # type: ignore[import-untyped, no-redef, unused-ignore]

        from genk3600.kit.clock import utcnow  # type: ignore[attr-defined]

        now = utcnow()
    settings = get_settings()
    if settings.database_url is None:
        raise RuntimeError("GENK3600_DATABASE_URL is not set")
    database = Database.connect(async_url(settings.database_url.get_secret_value()), pool_size=2)
    try:
        started = time.perf_counter()
        result = await sweep_once(database.sessions, settings, now)
        seconds = time.perf_counter() - started
    finally:
        await database.dispose()
    return {
        "seconds": round(seconds, 3),
        "checked": result.checked,
        "warned": result.warned,
        "breached": result.breached,
        "escalated": result.escalated,
    }


STEPS = {"world": _world, "sweep": _sweep}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in STEPS:
        print(f"usage: python -m bench.child {{{','.join(STEPS)}}}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    answer = asyncio.run(STEPS[argv[0]]())
    import genk3600

    # Where the code came from, so the harness can check it measures the tree it means to.
    answer["code"] = os.path.realpath(genk3600.__file__)
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
