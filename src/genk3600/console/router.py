"""HTTP for the console: the static pages, who-am-I, the agent's calls, and the dev-mode sign-in."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from genk3600.auth.dependencies import AppClock, AppSettings, TicketReader
from genk3600.console import service, stream
from genk3600.console.schemas import AgentCallList, ChoiceLists, DemoStaffList, DevTokenIn, DevTokenOut, MeOut
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.reader import ReaderLanguage
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
async def who_am_i(session: Session, principal: TicketReader, language: ReaderLanguage) -> MeOut:
    return await service.who_am_i(session, principal, language)


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
    app_clock: AppClock,
    principal: TicketReader,
    state: Annotated[
        list[CallState] | None,
        Query(description="Call states to list; default `ringing` and `answered`.", examples=[["ringing"]]),
    ] = None,
) -> AgentCallList:
    states = state or [CallState.ringing, CallState.answered]
    return await service.calls_of_agent(session, settings, app_clock, principal, states)


@router.get(
    "/choices",
    operation_id="list_my_choices",
    summary="Pick lists for the console",
    description=(
        "Every active category (code, name, synonyms the city uses for it, owning unit, whether it is social) "
        "and every active unit (code, name, kind), so the console offers searchable pick lists instead of "
        "asking for codes: the category of a contact, the unit to escalate to. Reference data only, no "
        "ticket or citizen data. Names are in the reader's language (`Accept-Language`); each category's "
        "synonyms include its canonical name."
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_my_choices(session: Session, _: TicketReader, language: ReaderLanguage) -> ChoiceLists:
    return await service.choice_lists(session, language)


STREAM_DESCRIPTION = f"""\
One server-sent events stream (`text/event-stream`) per open console, so it never has to poll. Messages:

- `calls` — the calls at the signed-in staff member's phone, as `list_my_calls` answers them (with the screen \
pop); sent when the stream opens and whenever a call rings, is answered or ends. Not sent to API clients.
- `ticket` — a feed event, as `list_events` lists it, of a ticket you could `GET` now (the feed's visibility \
rule: a social case out of your sight sends nothing).
- `queue` — `{{"units": [...], "ticket": "G3600-…"}}`: which of your units' queues that event touched.
- `offers` — the tickets automatic assignment offers you now, as `list_my_offers` answers them (explanations \
in the `Accept-Language` of the stream's request); sent when the stream opens and whenever an offer is made, \
answered, withdrawn or times out. Not sent to API clients.
- `end` — only with `once=true`: the backlog is sent and the stream closes.

Every `id` is a feed cursor: reconnect with the `Last-Event-ID` header (browsers' `EventSource` does it by \
itself) to resume without gaps or repeats; without it the stream starts at the present. Lines starting with \
`:` are keep-alives. The server closes a stream after {int(stream.MAX_SECONDS)} s; reconnect (the `retry` \
field says after how long). Send `Accept: text/event-stream`: without it (a plain JSON client) the \
stream behaves as with `once=true`.
"""


@router.get(
    "/stream",
    operation_id="stream_my_console",
    summary="Live updates for my console",
    description=STREAM_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The event stream.",
            "headers": {
                "Cache-Control": {
                    "description": "`no-store`: the stream is about people's questions; nobody may keep it.",
                    "schema": {"type": "string", "examples": ["no-store"]},
                },
                "X-Accel-Buffering": {
                    "description": "`no`: tells a reverse proxy (nginx) to pass each message on at once.",
                    "schema": {"type": "string", "examples": ["no"]},
                },
            },
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "description": "One message of the stream.",
                        "required": ["event", "data"],
                        "properties": {
                            "event": {"type": "string", "enum": ["calls", "ticket", "queue", "offers", "end"]},
                            "data": {"type": "string", "description": "The message as JSON (see above)."},
                            "id": {"type": "string", "description": "A feed cursor, for `Last-Event-ID`."},
                            "retry": {"type": "integer", "description": "Milliseconds to wait before reconnecting."},
                        },
                    },
                    "example": {
                        "id": "WzgyMSw0Ml0",
                        "event": "queue",
                        "data": '{"units":["contact_centre"],"ticket":"G3600-2026-000123"}',
                    },
                }
            },
        },
        **problem_responses(400, *AUTH_PROBLEMS),
    },
)
async def stream_my_console(
    request: Request,
    session: Session,
    settings: AppSettings,
    app_clock: AppClock,
    principal: TicketReader,
    language: ReaderLanguage,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=200,
            description="The `id` of the last message received, to resume after it.",
            examples=["WzgyMSw0Ml0"],
        ),
    ] = None,
    once: Annotated[
        bool,
        Query(description="Send what is there now (calls and the events after `Last-Event-ID`), then close."),
    ] = False,
) -> StreamingResponse:
    # A client that does not ask for an event stream gets what is there now and an end, never a hanging read.
    once = once or "text/event-stream" not in request.headers.get("accept", "")
    begin = await stream.start(session, principal, last_event_id)
    messages = stream.events(
        request.app.state.db.sessions,
        settings,
        principal,
        begin,
        once=once,
        disconnected=request.is_disconnected,
        clock=time.monotonic,
        calendar=app_clock,
        language=language,
    )
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(messages, media_type="text/event-stream", headers=headers)


@dev_router.get("/staff")
async def list_demo_staff(session: Session, settings: AppSettings, language: ReaderLanguage) -> DemoStaffList:
    return await service.demo_staff(session, settings, language)


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
