"""Database errors and engine logs never carry the statement's values: they are citizens' data."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request

import genk3600
from genk3600.db import Database
from genk3600.problems import unexpected_error

SECRET = "Ik kan mijn huur niet betalen"


async def test_errors_and_echo_logs_hide_parameters(database_url: URL, caplog: pytest.LogCaptureFixture) -> None:
    database = Database.connect(database_url, pool_size=1)
    database.engine.echo = True  # the engine's own statement log, as `echo` or a DEBUG level would show it
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    try:
        async with database.engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                await connection.execute(text("SELECT CAST(:story AS text) || 1 / 0"), {"story": SECRET})
    finally:
        await database.dispose()
    assert "hidden due to hide_parameters" in str(failed.value)
    assert SECRET not in str(failed.value)
    assert "1 / 0" in caplog.text
    assert SECRET not in caplog.text


def test_every_engine_in_src_hides_parameters() -> None:
    sources = Path(genk3600.__file__).parent.rglob("*.py")
    calls = [
        (path, node)
        for path in sources
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "create_async_engine"
    ]
    assert calls
    for path, call in calls:
        hidden = [k for k in call.keywords if k.arg == "hide_parameters"]
        assert hidden, f"{path}:{call.lineno} creates an engine without hide_parameters=True"
        assert isinstance(hidden[0].value, ast.Constant), f"{path}:{call.lineno}"
        assert hidden[0].value.value is True, f"{path}:{call.lineno}"


async def test_unexpected_database_errors_are_logged_without_values(
    database_url: URL, caplog: pytest.LogCaptureFixture
) -> None:
    # The driver quotes a value it cannot convert in its own message, which `hide_parameters` does not reach.
    database = Database.connect(database_url, pool_size=1)
    try:
        async with database.engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                await connection.execute(text("SELECT CAST(:story AS integer)"), {"story": SECRET})
    finally:
        await database.dispose()
    assert SECRET in str(failed.value)
    request = Request({"type": "http", "method": "POST", "path": "/v1/contacts", "headers": [], "query_string": b""})
    caplog.set_level(logging.INFO)
    response = await unexpected_error(request, failed.value)
    assert response.status_code == 500
    assert "unhandled database error on POST /v1/contacts" in caplog.text
    assert "SELECT CAST" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in bytes(response.body).decode()
