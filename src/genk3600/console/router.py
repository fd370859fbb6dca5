"""HTTP for the console: the static pages, who-am-I, the agent's calls, and the dev-mode sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from genk3600.auth.dependencies import AppClock, AppSettings, TicketReader
from genk3600.console import service
from genk3600.console.schemas import AgentCallList, DemoStaffList, DevTokenIn, DevTokenOut, MeOut
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.models.enums import CallState

STATIC = Path(__file__).parent / "static"
# The pages load only their own scripts and styles (no inline code, no CDN); CSV downloads are blob: links.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ConsoleFiles(StaticFiles):
    """The console's static files, each with the security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


router = APIRouter(prefix="/v1/me", tags=["console"])
# Dev-mode sign-in is not part of the API a city system may rely on: left out of the spec on purpose, and
# answers 404 unless GENK3600_ENV=dev (README, "Console").
dev_router = APIRouter(prefix="/console/dev", include_in_schema=False)
pages_router = APIRouter(include_in_schema=False)


@router.get(
    "",
    operation_id="who_am_i",
    summary="Who is signed in",
    description=(
        "The caller's name, e-mail, staff id, units with their position there, and scopes. The agent console "
        "uses it to choose which unit queues to show and to find its own calls."
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def who_am_i(session: Session, principal: TicketReader) -> MeOut:
    return await service.who_am_i(session, principal)


@router.get(
    "/calls",
    operation_id="list_my_calls",
    summary="Calls at my phone",
    description=(
        "The calls the PBX reported for the signed-in staff member (the `agent` of a call event) that are still "
        "`ringing` or `answered`, newest first, each with its screen pop: the citizens matching the caller "
        "number, their open tickets and, for social (OCMW) cases, only whom to hand over to. The console polls "
        "it to pop the caller's file. 422 for an API client, which has no phone."
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_my_calls(
    session: Session,
    settings: AppSettings,
    principal: TicketReader,
    state: Annotated[
        list[CallState] | None,
        Query(description="Call states to list; default `ringing` and `answered`.", examples=[["ringing"]]),
    ] = None,
) -> AgentCallList:
    states = state or [CallState.ringing, CallState.answered]
    return await service.calls_of_agent(session, settings, principal, states)


@dev_router.get("/staff")
async def list_demo_staff(session: Session, settings: AppSettings) -> DemoStaffList:
    return await service.demo_staff(session, settings)


@dev_router.post("/tokens")
async def mint_dev_token(session: Session, settings: AppSettings, clock: AppClock, data: DevTokenIn) -> DevTokenOut:
    return await service.dev_token(session, settings, clock, str(data.email))


@pages_router.get("/status")
async def citizen_status_page() -> FileResponse:
    # The page reads ref, code and lang from its own query string and asks /v1/public/tickets itself.
    return FileResponse(STATIC / "status.html", media_type="text/html", headers=SECURITY_HEADERS)


def install_console(app: FastAPI) -> None:
    """The console's routes, then its static files under /console (a mount: never in the spec)."""
    app.include_router(router)
    app.include_router(dev_router)
    app.include_router(pages_router)
    app.mount("/console", ConsoleFiles(directory=STATIC, html=True), name="console")
