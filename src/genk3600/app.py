"""The ASGI application: routers, middleware, problem handlers, lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.engine import URL

from genk3600 import __version__
from genk3600.answering.router import router as answering_router
from genk3600.appointments.router import public_router as public_appointments_router
from genk3600.appointments.router import router as appointments_router
from genk3600.assignment.router import router as assignment_router
from genk3600.audit.router import router as audit_router
from genk3600.auth.ratelimit import KeyLimiter, flush_forever
from genk3600.callbacks.router import router as callbacks_router
from genk3600.categories.router import router as categories_router
from genk3600.citizens.router import router as citizens_router
from genk3600.config import Settings, get_settings
from genk3600.console.router import install_console
from genk3600.contacts.intake_router import router as intake_router
from genk3600.contacts.router import router as contacts_router
from genk3600.db import Database
from genk3600.docs.router import install_docs
from genk3600.events.router import router as events_router
from genk3600.health.router import router as health_router
from genk3600.households.router import router as households_router
from genk3600.identity.router import router as identity_router
from genk3600.kit.clock import Clock, SystemClock
from genk3600.kit.heap import freeze_startup_heap
from genk3600.kit.openapi import openapi_schema
from genk3600.kit.routing import guard_included_routers
from genk3600.links.router import router as links_router
from genk3600.metrics.middleware import RequestMetricsMiddleware, request_histogram
from genk3600.metrics.router import router as metrics_router
from genk3600.middleware import BodySizeLimitMiddleware, RequestContextMiddleware, queue_access_log
from genk3600.participation.router import router as participation_router
from genk3600.parties.router import router as parties_router
from genk3600.problems import install_problem_handlers
from genk3600.products.router import router as products_router
from genk3600.public.router import router as public_router
from genk3600.queues.router import router as queues_router
from genk3600.reference import cache as reference_cache
from genk3600.reports.router import router as reports_router
from genk3600.routing.router import router as routing_router
from genk3600.search.router import router as search_router
from genk3600.sla.router import router as sla_router
from genk3600.staff.router import router as staff_router
from genk3600.suggestions.router import router as suggestions_router
from genk3600.tickets.router import router as tickets_router
from genk3600.units.router import router as units_router
from genk3600.workers import background_jobs

DESCRIPTION = """\
Genk3600 turns phone, mail, web and counter contacts with the city of Genk and its OCMW into tickets,
routes each to the right department or case worker, and records which role every handler played
(informing, registering, advising, deciding).

**Authentication**: city systems send an API key (`Authorization: Bearer g3600_…` or `X-API-Key`);
staff send a bearer JWT from the city's identity provider. Each operation names the scope it needs.

**Errors** are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) `application/problem+json` documents
with a `request_id`; validation problems list every failing field in `errors`.

**Lists** use cursor pagination: pass the `next_cursor` of one page as `cursor` for the next.
"""

TAGS = [
    {"name": "contacts", "description": "Recording contacts on every channel; each opens or joins a ticket."},
    {"name": "intake", "description": "Machine doors: call events from the PBX, raw mail from the mail gateway."},
    {
        "name": "citizens",
        "description": "Finding citizens (the agent's screen pop), their households and representatives.",
    },
    {"name": "tickets", "description": "Tickets and their timelines."},
    {"name": "search", "description": "Full-text search in tickets and their contacts (Dutch and French)."},
    {"name": "queues", "description": "Work queues per unit and claiming the next ticket."},
    {
        "name": "assignment",
        "description": "Automatic assignment: presence, capacity and skills, a policy per unit, offers one "
        "staff member at a time, and the supervisor's live view.",
    },
    {
        "name": "appointments",
        "description": "Appointments and home visits (Maatzorg): kinds and availability of staff and desks, free "
        "slots on the unit's calendar, race-free booking, moves and cancellations mailed with an iCalendar invitation, "
        "a reminder the day before, the outcome recorded as a contact with its role, a calendar feed per staff member.",
    },
    {
        "name": "callbacks",
        "description": "Call-back requests (terugbelverzoeken): asked on a ticket, due on the calling unit's calendar, "
        "worked through attempts until the citizen is reached or the attempts run out.",
    },
    {"name": "routing", "description": "Routing rules as data: versions, dry runs and replays."},
    {
        "name": "products",
        "description": "The product catalogue: what the city and the OCMW offer, who decides, what to bring.",
    },
    {"name": "suggestions", "description": "Category suggestions from a contact's words, with their reasons."},
    {"name": "administration", "description": "Units, staff and categories (admin scope)."},
    {"name": "events", "description": "Every committed change as a pull feed and as signed webhooks."},
    {"name": "webhooks", "description": "Subscriptions of city systems, their deliveries and replays (admin scope)."},
    {"name": "privacy", "description": "The audit trail: who did or saw what (DPO, auditors)."},
    {"name": "reports", "description": "Aggregated figures for supervisors, as JSON or CSV (reports:read scope)."},
    {"name": "public", "description": "For citizens: the status of their question in plain language (no login)."},
    {"name": "console", "description": "What the agent console at /console needs: who is signed in, their calls."},
    {"name": "health", "description": "Liveness and readiness probes."},
]


def create_app(
    settings: Settings | None = None, database_url: URL | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the app; the database is connected in the lifespan (tests inject sessions instead).

    `clock` is the one source of time for requests and background jobs (the wall clock unless given).
    """
    settings = settings or get_settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if database_url is None:
            yield
            return
        app.state.db = database = Database.connect(database_url, pool_size=settings.db_pool_size)
        unqueue_access_log = queue_access_log()
        # Background jobs run inside `serve` unless they run as `genk3600 worker` elsewhere; they claim work
        # with SKIP LOCKED, so any number of replicas may run them side by side.
        stop = asyncio.Event()
        jobs: list[asyncio.Task[None]] = []
        if settings.run_jobs:
            jobs = [asyncio.create_task(job) for job in background_jobs(database, settings, clock, stop)]
        # Changes of reference data made by any replica reach this one's cache (reference/cache.py).
        listener = asyncio.create_task(reference_cache.listen(database.engine))
        # Every API process shares its per-key request counts with the other replicas (auth/ratelimit.py).
        counts = database.autocommit_sessions or database.sessions
        jobs.append(asyncio.create_task(flush_forever(app.state.api_key_limiter, counts, clock, stop)))
        # Start-up is done: its objects need no more full collections (kit/heap.py).
        freeze_startup_heap()
        try:
            yield
        finally:
            stop.set()
            listener.cancel()
            await asyncio.gather(listener, *jobs, return_exceptions=True)
            await database.dispose()
            unqueue_access_log()

    app = FastAPI(
        docs_url=None,  # served by genk3600.docs, from packaged assets instead of CDNs
        redoc_url=None,
        title="Genk3600 API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        contact={"name": "Stad Genk, team Genk3600"},
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.api_key_limiter = KeyLimiter()
    # Added first, so it runs inside the request context: its 413 carries the request id.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        path_limits={"/v1/intake/mail": settings.max_message_bytes},
    )
    app.add_middleware(RequestContextMiddleware, clock=clock)
    # Outermost, so the latency covers everything the app does for a request (see /metrics).
    app.state.request_histogram = histogram = request_histogram()
    app.add_middleware(RequestMetricsMiddleware, histogram=histogram)
    install_problem_handlers(app)
    for router in (
        health_router,
        contacts_router,
        participation_router,
        parties_router,
        answering_router,
        intake_router,
        citizens_router,
        households_router,
        tickets_router,
        links_router,
        search_router,
        queues_router,
        assignment_router,
        routing_router,
        sla_router,
        public_router,
        audit_router,
        reports_router,
        events_router,
        units_router,
        staff_router,
        categories_router,
        metrics_router,
        callbacks_router,
        identity_router,
        appointments_router,
        public_appointments_router,
    ):
        app.include_router(router)
    install_console(app)
    install_docs(app)
    # After the console's routes: the spec lists the agent's knowledge last.
    for router in (products_router, suggestions_router):
        app.include_router(router)
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    guard_included_routers(app)
    return app


def operation_ids(app: FastAPI) -> list[str]:
    return [route.operation_id or route.name for route in app.routes if isinstance(route, APIRoute)]
