"""Scenario 4, bulk import: 200,000 historical contacts as NDJSON through `genk3600 import`, timed end to end."""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.environment import REPO_ROOT, Postgres
from bench.scale import CATEGORY_WEIGHTS, STREETS, TEXTS

log = logging.getLogger("bench")
EXTERNAL_PREFIX = "bench-import-"
IMPORT_CHANNELS = (["phone"] * 45) + (["web"] * 35) + (["counter"] * 20)


def historical_contacts(count: int, citizens: int, seed: int = 2019) -> Iterator[dict[str, Any]]:
    """Contacts of the past six years in the import format (see genk3600.imports), mostly of known citizens."""
    rng = random.Random(seed)
    codes = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    languages = (["nl"] * 8) + (["fr"] * 2)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(count):
        language = rng.choice(languages)
        subject, body = rng.choice(TEXTS[language])
        occurred = now - timedelta(days=rng.randrange(6 * 365), seconds=rng.randrange(86_400))
        known = rng.random() < 0.8
        citizen = (
            {"email": f"burger{rng.randrange(1, citizens + 1)}@example.org"}
            if known
            else {"email": f"oud{n}@example.org", "given_name": "Oud", "family_name": f"Dossier {n}"}
        )
        yield {
            "external_id": f"{EXTERNAL_PREFIX}{n:07d}",
            "channel": rng.choice(IMPORT_CHANNELS),
            "occurred_at": occurred.isoformat(),
            "category": rng.choices(codes, weights)[0],
            "subject": subject,
            "body": body.format(street=rng.choice(STREETS)),
            "language": language,
            "citizen": citizen,
            "status": "closed",
            "resolved_at": (occurred + timedelta(days=rng.randrange(0, 15))).isoformat(),
        }


def write_ndjson(path: Path, contacts: Iterator[dict[str, Any]]) -> int:
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for contact in contacts:
            out.write(json.dumps(contact, ensure_ascii=False) + "\n")
            lines += 1
    return lines


def import_available(env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [sys.executable, "-m", "genk3600", "import", "--help"], env=env, capture_output=True, check=False
    )
    return probe.returncode == 0


def run_import(args: argparse.Namespace, env: dict[str, str], postgres: Postgres, scratch: Path) -> dict[str, Any]:
    """`env` is the service's environment with the tree's code on the path (Tree.environment)."""
    if not import_available(env):
        log.info("import: `genk3600 import` is not available in this checkout; scenario skipped")
        return {"available": False, "contacts": args.contacts}
    path = scratch / "contacts.ndjson"
    citizens = int(postgres.psql("SELECT count(*) FROM citizen WHERE email LIKE 'burger%'").strip())
    lines = write_ndjson(path, historical_contacts(args.contacts, max(citizens, 1)))
    log.info("import: %d contacts in %s; running genk3600 import", lines, path)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "genk3600", "import", str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    (scratch / "import.log").write_text(out.stdout + out.stderr)
    imported = int(postgres.psql(f"SELECT count(*) FROM contact WHERE external_id LIKE '%{EXTERNAL_PREFIX}%'").strip())
    rate = imported / seconds if seconds > 0 else 0.0
    log.info("import: %d contacts in %.1f s = %.0f contacts/s (exit %d)", imported, seconds, rate, out.returncode)
    return {
        "available": True,
        "contacts": lines,
        "imported": imported,
        "seconds": round(seconds, 2),
        "contacts_per_second": round(rate, 1),
        "exit_status": out.returncode,
        "summary": out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "",
    }
