"""The access log goes through a queue: a request enqueues its line, a thread writes it (middleware.py)."""

from __future__ import annotations

import logging
import threading

from genk3600.middleware import access_log, queue_access_log


class Remember(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.getMessage(), threading.current_thread().name))


def test_access_lines_reach_the_root_handlers_from_another_thread() -> None:
    root = logging.getLogger()
    remember = Remember()
    root.addHandler(remember)
    try:
        undo = queue_access_log()
        try:
            access_log.warning("GET /v1/tickets/G3600-2026-000001 200 1.0ms request_id=x")
        finally:
            undo()  # writes what is queued, then stops the thread
        assert access_log.propagate
        assert not access_log.handlers
    finally:
        root.removeHandler(remember)
    assert [line for line, _ in remember.lines] == ["GET /v1/tickets/G3600-2026-000001 200 1.0ms request_id=x"]
    assert remember.lines[0][1] != threading.current_thread().name
