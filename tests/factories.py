"""Test data as plain async functions; they flush, the test transaction is rolled back afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import system_principal
from genk3600.auth.service import create_api_client
from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.contacts.mail_intake import smtp_delivery
from genk3600.contacts.smtp import IntakeHandler, serve_smtp
from genk3600.db import Database
from genk3600.kit.clock import Clock
from genk3600.models import (
    Base,
    Category,
    Citizen,
    OutboundMail,
    Representation,
    Staff,
    StaffMembership,
    Ticket,
    Unit,
)
from genk3600.models.enums import Scope
from genk3600.notifications.sender import new_message_id

T = TypeVar("T")

# When tickets that tests open directly (not through intake) say they were opened: only the year in their
# reference depends on it.
OPENED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class World:
    contact_centre: Unit
    burgerzaken: Unit
    omgeving: Unit
    sociale_dienst: Unit
    waste: Category
    id_card: Category
    living_wage: Category
    agent: Staff
    admin: Staff


async def unit(session: AsyncSession, code: str, kind: str = "department", parent: Unit | None = None) -> Unit:
    row = Unit(code=code, name=code.replace("_", " ").title(), kind=kind, parent=parent)
    session.add(row)
    await session.flush()
    return row


async def category(
    session: AsyncSession, code: str, owner: Unit, confidentiality: str = "normal", priority: str = "normal"
) -> Category:
    row = Category(code=code, name=code, owning_unit=owner, confidentiality=confidentiality, default_priority=priority)
    session.add(row)
    await session.flush()
    return row


async def staff(session: AsyncSession, email: str, unit: Unit, position: str = "agent") -> Staff:
    row = Staff(
        email=email,
        full_name=email.split("@")[0].replace(".", " ").title(),
        languages=["nl"],
        memberships=[StaffMembership(unit=unit, position=position)],
    )
    session.add(row)
    await session.flush()
    return row


async def api_key(session: AsyncSession, name: str, scopes: list[str]) -> str:
    _client, key = await create_api_client(session, name, [Scope(scope) for scope in scopes])
    return key


async def small_world(session: AsyncSession) -> World:
    root = await unit(session, "stad", "department")
    contact_centre = await unit(session, "contact_centre", "contact_centre", root)
    burgerzaken = await unit(session, "burgerzaken", "department", root)
    omgeving = await unit(session, "omgeving", "department", root)
    sociale_dienst = await unit(session, "sociale_dienst", "ocmw_service", root)
    return World(
        contact_centre=contact_centre,
        burgerzaken=burgerzaken,
        omgeving=omgeving,
        sociale_dienst=sociale_dienst,
        waste=await category(session, "waste.pickup", omgeving, priority="low"),
        id_card=await category(session, "civil.id_card", burgerzaken),
        living_wage=await category(session, "social.living_wage", sociale_dienst, "social", "high"),
        agent=await staff(session, "an.agent@genk.example", contact_centre, "agent"),
        admin=await staff(session, "ad.min@genk.example", contact_centre, "admin"),
    )


async def count(session: AsyncSession, model: type[Base]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for servers the tests start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def until_listening(port: int, host: str = "127.0.0.1") -> None:
    for _ in range(600):  # at most 30 s on a busy machine
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on {host}:{port}")


@contextlib.asynccontextmanager
async def smtp_intake(
    database: Database, settings: Settings, clock: Clock, limit: int | None = None
) -> AsyncIterator[int]:
    """The SMTP door as `genk3600 smtp` runs it, into a scratch database with the small world: yields its port."""
    async with database.sessions.begin() as session:
        await small_world(session)
    deliver = smtp_delivery(database.sessions, settings, clock, system_principal("SMTP intake"))
    port = free_port()
    handler = IntakeHandler(["3600@genk.example"], deliver)
    server = asyncio.create_task(serve_smtp(handler, "127.0.0.1", port, limit or settings.max_message_bytes))
    try:
        await until_listening(port)
        yield port
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server


def web_contact(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web",
        "category": "waste.pickup",
        "subject": "Grofvuil niet opgehaald",
        "body": "Mijn grofvuil staat er nog sinds maandag.",
        "form_id": "melding-afval",
        "citizen": {"email": "jan.janssens@example.org", "given_name": "Jan", "family_name": "Janssens"},
    }
    body.update(overrides)
    return body


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status` and a human-readable detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"].startswith("https://")
    assert "Traceback" not in response.text
    assert "SELECT" not in response.text.upper()
    return problem


async def citizen(session: AsyncSession, **fields: Any) -> Citizen:
    row = Citizen(preferred_language="nl", **fields)
    session.add(row)
    await session.flush()
    return row


async def representation(
    session: AsyncSession,
    citizen: Citizen | int,
    representative: Citizen | int,
    *,
    scopes: tuple[str, ...] = ("all",),
    kind: str = "informal_carer",
    first_day: date = date(2020, 1, 1),
    last_day: date | None = None,
) -> Representation:
    """`representative` may act for `citizen` within `scopes` (a signed consent form, by the system)."""
    row = Representation(
        citizen_id=citizen if isinstance(citizen, int) else citizen.id,
        representative_citizen_id=representative if isinstance(representative, int) else representative.id,
        kind=kind,
        scopes=list(scopes),
        first_day=first_day,
        last_day=last_day,
        source="signed_consent",
        version=1,
        actor_name="system",
    )
    session.add(row)
    await session.flush()
    return row


def outbound_mail(number: int, due: datetime, domain: str = "genk3600.test") -> OutboundMail:
    """An acknowledgement due at `due` for the mail sender (not added to any session)."""
    return OutboundMail(
        purpose="acknowledgement",
        to_address=f"burger{number}@example.org",
        language="nl",
        subject=f"Wij hebben uw vraag {number} genoteerd",
        body="Wij hebben uw vraag genoteerd.\nU krijgt een antwoord ten laatste op maandag.",
        message_id=new_message_id(domain),
        next_attempt_at=due,
    )


async def set_status(session: AsyncSession, reference: str, status: str, **fields: Any) -> None:
    await session.execute(update(Ticket).where(Ticket.reference == reference).values(status=status, **fields))
    await session.flush()


def wait_until_ready(process: subprocess.Popen[Any], base: str, err: Path, timeout: float) -> None:
    """Poll a started `serve` process's /readyz until 200; fail with its stderr if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"serve exited early:\n{err.read_text()}"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"not ready in time:\n{err.read_text()}"
        time.sleep(0.2)


def stop_process(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, as a supervisor would; SIGKILL only if it does not stop within 30 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def eventually(
    check: Callable[[], Awaitable[T]], what: str, *, within: float = 30.0, interval: float = 0.05
) -> T:
    """Poll `check` until it returns something truthy and return that; fail naming `what` after `within` seconds.

    For outcomes of background work: the limit is generous (a busy CI machine), the wait as short as the work."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"not within {within:g} s: {what} (last seen: {result!r})")
        await asyncio.sleep(interval)


def bearer(settings: Settings, clock: Clock, email: str) -> dict[str, str]:
    """A staff member's headers: a dev-mode token for `email`, issued on the test's clock."""
    return {"Authorization": f"Bearer {issue_dev_token(settings, clock, email)}"}
