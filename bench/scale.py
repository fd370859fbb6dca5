"""Scenario 3, scale: a million tickets (and their contacts) loaded with COPY, then the latency of what agents and
integrators do all day, over HTTP against the running service, and one SLA sweeper pass with 1,000 tickets due."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench import cpu
from bench.environment import Postgres
from bench.jwks import IdentityProvider
from bench.service import Service
from bench.trees import Tree, run_child
from bench.world import QUEUE_STAFF, QUEUE_UNIT, World
from genk3600.kit.reference import format_reference

log = logging.getLogger("bench")

DUE_TICKETS = 1_000
MIN_SAMPLES, SECONDS_PER_KIND = 100, 40.0
SEARCH_TERMS = {
    "search_nl": ["grofvuil", "identiteitskaart", "straatverlichting", "sluikstort opgehaald", "rijbewijs", "factuur"],
    "search_fr": ["encombrants", "carte d'identité", "éclairage public", "dépôt clandestin", "permis", "facture"],
}
# How often each category comes up at the contact centre (relative); the rest get weight 1.
CATEGORY_WEIGHTS = {
    "waste.pickup": 14, "waste.container": 6, "waste.illegal_dumping": 6, "civil.id_card": 12, "civil.passport": 5,
    "civil.driving_licence": 5, "civil.address_change": 6, "finance.tax_bill": 5, "roads.damage": 5,
    "roads.street_light": 4, "general.question": 8, "social.living_wage": 3,
}  # fmt: skip
LANGUAGES = (["nl"] * 78) + (["fr"] * 12) + (["en"] * 7) + (["de"] * 3)
CHANNELS = (["phone"] * 45) + (["web"] * 30) + (["mail"] * 15) + (["counter"] * 10)
STREETS = ["Stadsplein", "Hasseltweg", "Winterslagstraat", "Vennestraat", "Molenstraat", "Europalaan", "Bochtlaan"]
TEXTS = {
    "nl": [
        ("Grofvuil niet opgehaald", "Het grofvuil in de {street} werd niet opgehaald op de afgesproken dag."),
        ("Vraag over identiteitskaart", "Wanneer is mijn nieuwe identiteitskaart klaar? Ik kreeg nog geen brief."),
        ("Straatverlichting defect", "De straatverlichting in de {street} brandt al een week niet meer."),
        ("Sluikstort gemeld", "Er ligt een sluikstort met bouwafval achter de parking aan de {street}."),
        ("Rijbewijs aanvragen", "Hoe vraag ik een internationaal rijbewijs aan en wat kost het?"),
        ("Factuur van de stad", "Ik begrijp de factuur voor de retributie niet, kan iemand ze uitleggen?"),
        ("Afspraak bij burgerzaken", "Ik wil graag een afspraak maken voor een adreswijziging naar de {street}."),
    ],
    "fr": [
        ("Encombrants non collectés", "Mes encombrants dans la {street} n'ont pas été collectés hier."),
        ("Carte d'identité", "Quand ma nouvelle carte d'identité sera-t-elle prête ? Je n'ai pas reçu de lettre."),
        ("Éclairage public en panne", "L'éclairage public de la {street} ne fonctionne plus depuis une semaine."),
        ("Dépôt clandestin", "Il y a un dépôt clandestin de déchets derrière le parking de la {street}."),
        ("Permis de conduire", "Comment demander un permis de conduire international ?"),
        ("Facture de la ville", "Je ne comprends pas la facture de la redevance, pouvez-vous m'expliquer ?"),
    ],
    "en": [
        ("Bulky waste not collected", "My bulky waste in {street} was not collected on the agreed day."),
        ("Identity card question", "When will my new identity card be ready?"),
    ],
    "de": [("Sperrmüll nicht abgeholt", "Mein Sperrmüll in der {street} wurde nicht abgeholt.")],
}
OPEN_STATUSES = (["new"] * 35) + (["assigned"] * 25) + (["in_progress"] * 30) + (["waiting_on_citizen"] * 10)


@dataclass(frozen=True)
class Category:
    id: int
    code: str
    unit_id: int
    confidentiality: str
    priority: str
    sla_policy_id: int | None


def _ticket_and_contact_rows(
    count: int,
    first_id: int,
    categories: list[Category],
    staff_by_unit: dict[int, list[int]],
    citizens: int,
    now: datetime,
    rng: random.Random,
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    weights = [CATEGORY_WEIGHTS.get(category.code, 1) for category in categories]
    # Which open tickets are due for the SLA sweeper: exactly DUE_TICKETS of them, spread over the load.
    due_every = max(1, count // DUE_TICKETS)
    due_left = DUE_TICKETS
    for n in range(count):
        ticket_id = first_id + n
        category = rng.choices(categories, weights)[0]
        age = timedelta(days=min(rng.expovariate(1 / 500), 6 * 365), seconds=rng.randrange(86_400))
        created = now - age
        days = age.days
        open_chance = 0.6 if days < 7 else 0.25 if days < 30 else 0.02 if days < 180 else 0.0
        is_due = due_left > 0 and n % due_every == 0
        if is_due or rng.random() < open_chance:
            status = "new" if is_due else rng.choice(OPEN_STATUSES)
        else:
            status = "closed" if rng.random() < 0.9 else "resolved"
        finished = status in ("resolved", "closed")
        staff = staff_by_unit.get(category.unit_id, [])
        assignee = rng.choice(staff) if staff and status != "new" else None
        language = rng.choice(LANGUAGES)
        subject, body = rng.choice(TEXTS[language])
        body = body.format(street=rng.choice(STREETS))
        first_due, resolution_due = created + timedelta(days=1), created + timedelta(days=5)
        next_check: datetime | None = None
        if is_due:
            due_left -= 1
            first_due = now - timedelta(minutes=rng.randrange(1, 600))
            resolution_due = now + timedelta(days=2)
            next_check = first_due
        elif not finished:
            first_due = now + timedelta(hours=rng.randrange(1, 240))
            resolution_due = first_due + timedelta(days=4)
            next_check = first_due
        resolved_at = created + timedelta(days=rng.randrange(0, 20), hours=rng.randrange(24)) if finished else None
        citizen = rng.randrange(1, citizens + 1) if rng.random() < 0.85 else None
        reference = format_reference(created.year, 1_000_000 + n)
        ticket = (
            ticket_id, reference, status, category.priority, subject, language, category.confidentiality, 1,
            category.id, citizen, category.unit_id, assignee, first_due, resolution_due, resolved_at,
            created + timedelta(hours=2) if status != "new" else None, category.sla_policy_id, next_check,
            created, resolved_at or created,
        )  # fmt: skip
        contact = (
            ticket_id, citizen, rng.choice(CHANNELS), language, subject, body, created, "Historische import",
            created,
        )  # fmt: skip
        yield ticket, contact


TICKET_COLUMNS = [
    "id", "reference", "status", "priority", "subject", "language", "confidentiality", "tier", "category_id",
    "citizen_id", "owning_unit_id", "assignee_staff_id", "first_response_due_at", "resolution_due_at", "resolved_at",
    "first_responded_at", "sla_policy_id", "next_sla_check_at", "created_at", "updated_at",
]  # fmt: skip
CONTACT_COLUMNS = [
    "ticket_id", "citizen_id", "channel", "language", "subject", "body", "occurred_at", "actor_name", "created_at",
]  # fmt: skip


async def load_tickets(postgres: Postgres, count: int, citizens: int) -> dict[str, Any]:
    """COPY `count` tickets with one contact each; generated columns (search vectors) compute themselves."""
    connection = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database=postgres.database)
    try:
        # An older tree's schema (a compare run's "before") may lack a column this loader writes: say which.
        for table, columns in (("ticket", TICKET_COLUMNS), ("contact", CONTACT_COLUMNS)):
            present = {
                row["column_name"]
                for row in await connection.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table
                )
            }
            if missing := [column for column in columns if column not in present]:
                raise RuntimeError(
                    f"the scale loader writes {table}.{', '.join(missing)}, which this tree's schema lacks "
                    "(bench/scale.py loads the current schema's columns)"
                )
        categories = [
            Category(*row)
            for row in await connection.fetch(
                "SELECT id, code, owning_unit_id, confidentiality, default_priority, sla_policy_id FROM category"
            )
        ]
        staff_by_unit: dict[int, list[int]] = {}
        for row in await connection.fetch("SELECT staff_id, unit_id FROM staff_membership"):
            staff_by_unit.setdefault(row["unit_id"], []).append(row["staff_id"])
        first_id = int(await connection.fetchval("SELECT coalesce(max(id), 0) + 1000 FROM ticket"))
        now = datetime.now(UTC)

        async def stream(part: int) -> AsyncIterator[tuple[Any, ...]]:
            # The same seed gives the same rows twice: tickets first, then their contacts (the foreign key needs
            # the tickets). Streaming lets PostgreSQL work on one core while Python generates on the other.
            rows = _ticket_and_contact_rows(
                count, first_id, categories, staff_by_unit, citizens, now, random.Random(3600)
            )
            for n, pair in enumerate(rows):
                yield pair[part]
                if n % 2_000 == 0:
                    await asyncio.sleep(0)

        started = time.monotonic()
        async with connection.transaction():
            await connection.copy_records_to_table("ticket", records=stream(0), columns=TICKET_COLUMNS)
            await connection.copy_records_to_table("contact", records=stream(1), columns=CONTACT_COLUMNS)
            await connection.execute(
                "SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT max(id) FROM ticket))"
            )
        load_seconds = time.monotonic() - started
        # What autovacuum and the checkpointer would do over the next minutes, done before measuring (as
        # bench/reads.py and bench/inprocess.py do): otherwise the requests are timed beside the upkeep of
        # the two million rows just written, and the claims' commits wait on the checkpoint's writes.
        await connection.execute("VACUUM (ANALYZE)")
        await connection.execute("CHECKPOINT")
        analyze_seconds = time.monotonic() - started - load_seconds
        open_in_queue = await connection.fetchval(
            "SELECT count(*) FROM ticket t JOIN unit u ON u.id = t.owning_unit_id "
            "WHERE u.code = $1 AND t.status NOT IN ('resolved', 'closed')",
            QUEUE_UNIT,
        )
        total = await connection.fetchval("SELECT count(*) FROM ticket")
        due = await connection.fetchval("SELECT count(*) FROM ticket WHERE next_sla_check_at <= now()")
    finally:
        await connection.close()
    return {
        "tickets": total,
        "load_seconds": round(load_seconds, 1),
        "analyze_seconds": round(analyze_seconds, 1),
        "open_in_queue": open_in_queue,
        "due_for_sweeper": due,
    }


async def build_kept_world(postgres: Postgres, env: dict[str, str], tickets: int, citizens: int) -> str:
    """The bench world and `tickets` scale tickets in a kept database (bench/search_inprocess.py, bench/reads.py);
    returns the reader's API key."""
    from bench.world import build_world
    from genk3600.config import Settings

    settings = Settings(
        env="production", secret_key=env["GENK3600_SECRET_KEY"], database_url=env["GENK3600_DATABASE_URL"]
    )
    world = await build_world(postgres.url(), settings, citizens)
    await load_tickets(postgres, tickets, citizens)
    return world.reader_key


def random_references(postgres: Postgres, count: int = 2000) -> list[str]:
    """References of `count` random normal tickets: what the lookups by reference ask for."""
    rows = postgres.psql(
        f"SELECT reference FROM ticket WHERE confidentiality = 'normal' ORDER BY random() LIMIT {int(count)}"
    )
    return [line for line in rows.split() if line]


def summarise(samples_ms: list[float]) -> dict[str, Any]:
    ordered = sorted(samples_ms)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {
        "samples": len(ordered),
        "p50_ms": round(pct(50), 2),
        "p95_ms": round(pct(95), 2),
        "p99_ms": round(pct(99), 2),
        "max_ms": round(ordered[-1], 2),
        "percentiles_ms": {str(p): round(pct(p), 3) for p in (1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9)},
    }


async def _timed(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], ok: set[int]) -> float:
    started = time.perf_counter()
    response = await client.request(method, url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in ok:
        raise RuntimeError(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
    return elapsed


def database_share(postgres: Postgres, requests: int) -> dict[str, Any]:
    """What the database spent per request since the last reset (pg_stat_statements), and on what."""
    rows = postgres.psql(
        "SELECT round(total_exec_time::numeric, 3), calls, round(mean_exec_time::numeric, 3), "
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM pg_stat_statements "
        "WHERE query NOT ILIKE '%pg_stat_statements%' "
        "AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC"
    ).splitlines()
    parsed = [row.split("|", 3) for row in rows if row.count("|") >= 3]
    total = sum(float(total_ms) for total_ms, *_ in parsed)
    return {
        "db_ms_per_request": round(total / max(requests, 1), 3),
        "statements_per_request": round(sum(int(calls) for _, calls, *_ in parsed) / max(requests, 1), 1),
        "top_statements": [
            {"mean_ms": float(mean), "calls": int(calls), "query": query} for _, calls, mean, query in parsed[:3]
        ],
    }


async def measure_requests(
    postgres: Postgres,
    service: Service,
    world: World,
    idp: IdentityProvider,
    references: list[str],
    samples: int,
    kinds: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """One request at a time (latency, not throughput), after a short warm-up of each kind (`kinds`: only
    these, bench/reads.py)."""
    staff = {"Authorization": f"Bearer {idp.token(QUEUE_STAFF)}"}
    reader = {"X-API-Key": world.reader_key}
    rng = random.Random(8)
    makers: dict[str, Any] = {
        "queue_page": lambda i: ("GET", f"/v1/queues/{QUEUE_UNIT}?limit=25", staff, {200}),
        "claim_next": lambda i: ("POST", f"/v1/queues/{QUEUE_UNIT}/claim", staff, {200}),
        "by_reference": lambda i: ("GET", f"/v1/tickets/{rng.choice(references)}", reader, {200}),
    }
    for name, terms in SEARCH_TERMS.items():
        makers[name] = lambda i, terms=terms: (
            "GET",
            f"/v1/search/tickets?limit=25&q={terms[i % len(terms)]}",
            reader,
            {200},
        )
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
        for name, make in makers.items():
            if kinds is not None and name not in kinds:
                continue
            for i in range(min(20, samples)):
                await _timed(client, *make(i))
            postgres.psql("SELECT pg_stat_statements_reset()")
            timings: list[float] = []
            before = cpu.usage(service.process.pid)
            started = time.monotonic()
            # Up to `samples` requests, but no more than SECONDS_PER_KIND once MIN_SAMPLES are in: a slow
            # endpoint must not stretch the run past its 15 minutes; the sample count is reported.
            while len(timings) < samples and (
                len(timings) < MIN_SAMPLES or time.monotonic() - started < SECONDS_PER_KIND
            ):
                timings.append(await _timed(client, *make(len(timings))))
            server = cpu.per_request(before, cpu.usage(service.process.pid), len(timings))
            # What bounds the latency: the database's share of it, and its most expensive statements.
            out[name] = {**summarise(timings), **server, **database_share(postgres, len(timings))}
            log.info("scale %s: p50 %.1f ms, p99 %.1f ms; server CPU %.2f ms, database %.1f ms per request", name,
                     out[name]["p50_ms"], out[name]["p99_ms"], out[name]["server_cpu_ms_per_request"],
                     out[name]["db_ms_per_request"])  # fmt: skip
    return out


def settle(postgres: Postgres, timeout: float = 300.0) -> float:
    """Wait until no autovacuum worker runs (e.g. on the other tree's freshly loaded million), at most `timeout`
    seconds; the seconds waited. The tree measured next then shares the server with its own upkeep only."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        busy = postgres.psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
        if int(busy.strip() or 0) == 0:
            break
        time.sleep(2)
    return round(time.monotonic() - started, 1)


async def run_scale(
    args: argparse.Namespace,
    tree: Tree,
    env: dict[str, str],
    postgres: Postgres,
    service: Service,
    world: World,
    idp: IdentityProvider,
) -> dict[str, Any]:
    waited = settle(postgres)
    if waited >= 1:
        log.info("scale: waited %.0f s for autovacuum to finish", waited)
    log.info("scale (%s): loading %d tickets (and a contact each) with COPY", tree.label, args.tickets)
    loaded = await load_tickets(postgres, args.tickets, world.citizens)
    log.info("scale: loaded in %.0f s, VACUUM ANALYZE and CHECKPOINT %.0f s; %d due for the sweeper",
             loaded["load_seconds"], loaded["analyze_seconds"], loaded["due_for_sweeper"])  # fmt: skip
    references = [
        line for line in postgres.psql(
            "SELECT reference FROM ticket WHERE confidentiality = 'normal' ORDER BY random() LIMIT 2000"
        ).split() if line
    ]  # fmt: skip
    requests = await measure_requests(postgres, service, world, idp, references, args.samples)
    log.info("scale: one SLA sweeper pass")
    due = int(postgres.psql("SELECT count(*) FROM ticket WHERE next_sla_check_at <= now()").strip())
    postgres.psql("SELECT pg_stat_statements_reset()")
    try:
        sweep = run_child(tree, env, "sweep")
    except RuntimeError as exc:
        # The requests' figures stand; the table shows why the sweeper has none.
        log.error("scale: sweeper pass failed: %s", exc)
        return {**loaded, "autovacuum_wait_seconds": waited, "requests": requests, "sweeper": {"error": str(exc)}}
    sweep["due"] = due
    # Per due ticket: what the database spent, in how many statements.
    sweep["database"] = database_share(postgres, max(due, 1))
    log.info("scale: sweeper pass over %d due tickets took %.3f s", due, sweep["seconds"])
    return {**loaded, "autovacuum_wait_seconds": waited, "requests": requests, "sweeper": sweep}
