"""What another city system writes to follow Genk3600: subscribe a webhook, verify deliveries, read the feed.

Run it against a local Genk3600 (`make run` prints a demo API key with every scope):

    export GENK3600_URL=http://127.0.0.1:8000 GENK3600_API_KEY=<the printed demo key>
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


def client() -> httpx.Client:
    return httpx.Client(
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {os.environ['GENK3600_API_KEY']}"},
        timeout=httpx.Timeout(10.0, read=30.0),
    )


def subscribe(api: httpx.Client, url: str, event_types: list[str]) -> dict[str, Any]:
    """Create a subscription; the answer holds the `secret` that signs every delivery (shown only now)."""
    response = api.post(
        "/v1/webhooks",
        json={"url": url, "event_types": event_types, "description": "example city system"},
        headers={"Idempotency-Key": f"subscribe-{url}"},  # a retried request does not subscribe twice
    )
    response.raise_for_status()
    subscription: dict[str, Any] = response.json()
    return subscription


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


Event = dict[str, Any]


def events(api: httpx.Client, after: str | None, types: str | None = None) -> Iterator[tuple[list[Event], str]]:
    """Pages of the feed from `after` on, with the cursor to save once a page is handled."""
    while True:
        params = {"after": after, "types": types, "limit": 100}
        response = api.get("/v1/events", params={k: v for k, v in params.items() if v is not None})
        if response.status_code in (429, 503):
            time.sleep(float(response.headers.get("Retry-After", "5")))
            continue
        response.raise_for_status()
        page = response.json()
        after = page["next_cursor"]
        yield page["items"], after
        if not page["has_more"]:
            return


def consume(api: httpx.Client, follow: bool, types: str | None) -> None:
    cursor = CURSOR_FILE.read_text().strip() if CURSOR_FILE.exists() else None
    while True:
        for items, next_cursor in events(api, cursor, types):
            for event in items:
                print(f"{event['occurred_at']}  {event['type']:<28} {event['ticket'] or '-'}  {event['data']}")
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
            print(f"subscription {subscription['id']}: keep this secret with the receiver: {subscription['secret']}")
        else:
            consume(api, args.follow, args.types)
    return 0


if __name__ == "__main__":
    sys.exit(main())
