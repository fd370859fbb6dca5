"""What another city system writes to follow Genk3600: subscribe a webhook, verify deliveries, read the feed.

It talks to Genk3600 through a client generated from the committed spec alone (`openapi/openapi.json`), as an
integrator would: `make client` writes the `genk3600_client` package into `build/client/` with
openapi-python-client. Run it against a local Genk3600 (`make run` prints a demo API key with every scope):

    make client
    export PYTHONPATH=build/client GENK3600_URL=http://127.0.0.1:8000 GENK3600_API_KEY=<the printed demo key>
    .venv/bin/python examples/city_system.py subscribe https://mijn.genk.example/hooks/genk3600
    .venv/bin/python examples/city_system.py feed            # prints new events, resumes where it stopped
    .venv/bin/python examples/city_system.py feed --follow   # keeps polling

`subscribe` needs the `admin` scope and prints the signing secret once: keep it with the receiver, which
checks every delivery with `handle_webhook` below. The feed needs `tickets:read`; its position is saved
in `.genk3600-cursor` after each page is handled, so a restart neither skips nor repeats a page (handle
events idempotently by `id`: delivery is at least once).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook, WebhookVerificationError

BASE_URL = os.environ.get("GENK3600_URL", "http://127.0.0.1:8000")
CURSOR_FILE = Path(".genk3600-cursor")


class Unavailable(Exception):
    """Genk3600 asked us to come back later (429 or 503), after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def client(base_url: str = BASE_URL, api_key: str | None = None) -> Any:
    """The generated client, authenticated with an API key (sent as `Authorization: Bearer <key>`)."""
    from genk3600_client import AuthenticatedClient

    return AuthenticatedClient(
        base_url=base_url,
        token=api_key or os.environ["GENK3600_API_KEY"],
        timeout=httpx.Timeout(10.0, read=30.0),
        raise_on_unexpected_status=True,
    )


def _answer(response: Any, expected: int) -> Any:
    """The parsed body of an expected answer; waits are raised as `Unavailable`, anything else as an error."""
    if response.status_code == expected:
        return response.parsed
    if response.status_code in (429, 503):
        raise Unavailable(float(response.headers.get("Retry-After", "5")))
    problem = response.parsed
    raise RuntimeError(f"{response.status_code} {getattr(problem, 'title', '')}: {getattr(problem, 'detail', '')}")


def subscribe(api: Any, url: str, event_types: list[str]) -> Any:
    """Create a subscription; the answer holds the `secret` that signs every delivery (shown only now)."""
    from genk3600_client.api.webhooks import create_webhook
    from genk3600_client.models import WebhookIn

    body = WebhookIn(url=url, event_types=event_types, description="example city system")
    # A retried request does not subscribe twice.
    return _answer(create_webhook.sync_detailed(client=api, body=body, idempotency_key=f"subscribe-{url}"), 201)


def handle_webhook(body: bytes, headers: Mapping[str, str], secret: str) -> tuple[int, dict[str, Any] | None]:
    """Check one delivery as the receiving endpoint would: the HTTP status to answer, and the event if genuine.

    `headers` must hold `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks);
    old timestamps are refused too, so a captured delivery cannot be replayed later.
    """
    try:
        event: dict[str, Any] = Webhook(secret).verify(body, dict(headers))
    except WebhookVerificationError:
        return 400, None
    # Answer 2xx quickly and do the work elsewhere: a slow answer counts as a failure and is retried.
    return 204, event


def events(api: Any, after: str | None, types: str | None = None) -> Iterator[tuple[list[Any], str]]:
    """Pages of the feed from `after` on, with the position to save once a page is handled."""
    from genk3600_client.api.events import list_events
    from genk3600_client.types import UNSET

    while True:
        try:
            page = _answer(list_events.sync_detailed(client=api, after=after or UNSET, types=types or UNSET), 200)
        except Unavailable as wait:
            time.sleep(wait.retry_after)
            continue
        after = page.next_cursor
        yield page.items, after
        if not page.has_more:
            return


def consume(api: Any, follow: bool, types: str | None) -> None:
    cursor = CURSOR_FILE.read_text().strip() if CURSOR_FILE.exists() else None
    while True:
        for items, next_cursor in events(api, cursor, types):
            for event in items:
                print(f"{event.occurred_at}  {event.type_:<28} {event.ticket or '-'}  {event.data.to_dict()}")
            # Saved only after the page is handled; written aside and renamed, so a crash leaves the old cursor.
            CURSOR_FILE.with_suffix(".tmp").write_text(next_cursor)
            CURSOR_FILE.with_suffix(".tmp").replace(CURSOR_FILE)
            cursor = next_cursor
        if not follow:
            return
        time.sleep(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("subscribe", help="subscribe a URL to events")
    sub.add_argument("url")
    sub.add_argument("--types", default="ticket.created,ticket.status_changed", help="comma-separated, or *")
    feed = commands.add_parser("feed", help="print events since the saved cursor")
    feed.add_argument("--follow", action="store_true", help="keep polling")
    feed.add_argument("--types", default=None, help="comma-separated event types (default all)")
    args = parser.parse_args(argv)
    with client() as api:
        if args.command == "subscribe":
            subscription = subscribe(api, args.url, args.types.split(","))
            print(f"subscription {subscription.id}: keep this secret with the receiver: {subscription.secret}")
        else:
            consume(api, args.follow, args.types)
    return 0


if __name__ == "__main__":
    sys.exit(main())
