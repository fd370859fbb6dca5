"""Exception handlers: every error leaves as RFC 9457 problem+json, without SQL or stack traces.

`title` and `detail` (and each field error's `message`) are in the reader's language (`Accept-Language`: nl,
fr, en or de; English without it, as for every API text: kit/reader.py); `type`, `status`, the field locations
and error kinds are codes and never change with the language.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from genk3600.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, AppError, ServiceUnavailable, localise
from genk3600.i18n.catalogue import P_
from genk3600.i18n.validation import field_message
from genk3600.kit.reader import language_of
from genk3600.middleware import TOO_LARGE, RequestTooLarge, request_id_var
from genk3600.models.enums import Language

log = logging.getLogger(__name__)

# Lost connections, refused connections and an exhausted pool all mean "try again shortly".
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)
# Server answers that mean the same (asyncpg reports them as a plain DBAPIError): SQLSTATE class 08
# (connection exception) and 53 (insufficient resources, e.g. too many connections), the server shutting
# down or starting up (57P01-57P03), and a statement cancelled by statement_timeout (57014).
TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57014"})

_HTTP_TITLES = {
    400: (P_("Bad request"), "bad-request"),
    401: (P_("Authentication required"), "unauthenticated"),
    403: (P_("Forbidden"), "forbidden"),
    404: (P_("Not found"), "not-found"),
    405: (P_("Method not allowed"), "method-not-allowed"),
    406: (P_("Not acceptable"), "not-acceptable"),
    413: (P_("Request body too large"), "payload-too-large"),
    415: (P_("Unsupported media type"), "unsupported-media-type"),
}
_HTTP_ERROR = P_("Error")


def _said_by(title: str, status: int) -> tuple[str, str]:
    """What a detail says when it only repeats the title or the status's own phrase."""
    return title.lower(), HTTPStatus(status).phrase.lower()


def reader_language(headers: Mapping[str, str]) -> Language:
    """The language of a problem: the request's `Accept-Language`, English without it (kit/reader.py)."""
    return language_of(headers.get("accept-language"))


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """The problem+json answer; `title` and `detail` are catalogue texts, rendered in the reader's language."""
    language = reader_language(request.headers)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": localise(title, {}, language),
        "status": status,
        "detail": localise(detail, params or {}, language),
        "instance": request.url.path,
        "request_id": request_id_var.get(),
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


async def app_error(request: Request, exc: AppError) -> JSONResponse:
    return problem(request, exc.status, exc.title, exc.template, exc.slug, exc.headers(), exc.params, **exc.extensions)


def _field_errors(errors: Sequence[Any], language: Language) -> list[dict[str, str]]:
    # Only location, message and kind: pydantic's `input` could echo personal data back.
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": field_message(error, language),
            "type": error["type"],
        }
        for error in errors
    ]


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    field_errors = _field_errors(errors, reader_language(request.headers))
    if any(error["type"] == "json_invalid" for error in errors):
        return problem(
            request,
            400,
            P_("Malformed JSON"),
            P_("The request body is not valid JSON."),
            "malformed-json",
            errors=field_errors,
        )
    fields = ", ".join(dict.fromkeys(error["field"] for error in field_errors))
    return problem(
        request,
        422,
        P_("Validation failed"),
        P_("The request has {count} invalid field(s): {fields}."),
        "validation-failed",
        params={"count": len(errors), "fields": fields},
        errors=field_errors,
    )


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    title, slug = _HTTP_TITLES.get(exc.status_code, (_HTTP_ERROR, "http-error"))
    # Starlette's own details ("Not Found", "Method Not Allowed") say what the title says, in English only.
    detail, params = title, dict[str, Any]()
    if isinstance(exc, RequestTooLarge):
        detail, params = TOO_LARGE, {"limit": exc.limit}
    elif exc.status_code == 404 and exc.detail == "Not Found":
        detail, params = P_("There is no resource at {path}; see /docs for the API."), {"path": request.url.path}
    elif isinstance(exc.detail, str) and exc.detail.lower() not in _said_by(title, exc.status_code):
        detail = exc.detail
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem(request, exc.status_code, title, detail, slug, headers, params)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (RFC 9110 §15.5.6), asked of the app's own routing.

    Starlette's 405 names only the methods of the first route whose path matched, and FastAPI makes a route per
    method: `/v1/units` answered `Allow: GET` although it takes POST as well.
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]


def describe_database_error(exc: DBAPIError) -> str:
    """The error's kind, SQLSTATE and statement, without its message: drivers and PostgreSQL quote values there
    (`invalid input for query argument $1: '…'`, `Key (email)=(…) already exists`), and those are citizens' data."""
    cause = exc.orig.__cause__ if exc.orig is not None and exc.orig.__cause__ is not None else exc.orig
    sqlstate = getattr(exc.orig, "sqlstate", None)
    constraint = getattr(cause, "constraint_name", None)
    where = f", constraint {constraint}" if constraint else ""
    return f"{type(cause).__name__} (SQLSTATE {sqlstate}{where}) in: {exc.statement}"


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A race lost against a concurrent writer (e.g. same unique code): the database kept its rules.
    summary = describe_database_error(exc) if isinstance(exc, DBAPIError) else type(exc).__name__
    log.info("integrity error on %s: %s", request.url.path, summary)
    return problem(
        request,
        409,
        P_("Conflict"),
        P_("The request conflicts with data that already exists; nothing was saved."),
        "conflict",
    )


async def stale_data(request: Request, exc: Exception) -> JSONResponse:
    # Two writers raced past the If-Match check; the database's version check stopped the second one.
    return problem(
        request,
        412,
        P_("Precondition failed"),
        P_("Someone changed this record at the same moment; read it again and retry."),
        "precondition-failed",
    )


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
    unavailable = ServiceUnavailable(P_("The database cannot be reached right now; nothing was saved. Try again."))
    return await app_error(request, unavailable)


def is_transient(exc: DBAPIError) -> bool:
    """The database was unreachable, restarting or overloaded: the same request may well work shortly."""
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and (
        sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith(TRANSIENT_SQLSTATE_CLASSES)
    )


async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if is_transient(exc):
        return await database_unavailable(request, exc)
    return await unexpected_error(request, exc)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DBAPIError):
        # Where it happened, but not the message (nor its chained driver error): those quote the values.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        summary = describe_database_error(exc)
        log.error("unhandled database error on %s %s: %s\n%s", request.method, request.url.path, summary, frames)
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        500,
        P_("Internal error"),
        P_("Something went wrong on our side; nothing was saved. Quote the request_id when you report it."),
        "internal-error",
    )


def install_problem_handlers(app: FastAPI) -> None:
    # Starlette types handlers as taking any Exception; it calls each only for its own class.
    handlers: list[tuple[type[Exception], Callable[[Request, Any], Awaitable[Response]]]] = [
        (AppError, app_error),
        (RequestValidationError, validation_error),
        (HTTPException, http_error),
        (IntegrityError, integrity_error),
        (StaleDataError, stale_data),
        *((unavailable, database_unavailable) for unavailable in DATABASE_UNAVAILABLE),
        (DBAPIError, database_error),
        (Exception, unexpected_error),
    ]
    for exception, handler in handlers:
        app.add_exception_handler(exception, handler)
