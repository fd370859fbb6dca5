"""Links to other systems' objects travel in the events: the feed item and the signed webhook body."""

from __future__ import annotations

import httpx

from genk3600.config import Settings
from genk3600.db import Database
from genk3600.events.delivery import deliver_once
from genk3600.kit.clock import FixedClock
from tests.events.conftest import Committed, Receiver, read_all
from tests.factories import web_contact

PERMIT = {
    "system": "omgevingsloket",
    "object_type": "omgevingsvergunning",
    "object_id": "OMV_2026047113",
    "url": "https://omgevingsloket.example/dossier/OMV_2026047113",
}


async def test_a_link_is_in_the_feed_and_in_the_webhook_delivery(
    api: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    committed: Committed,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    hook = {"url": receiver.url("/links"), "event_types": ["ticket.link_added"]}
    assert (await api.post("/v1/webhooks", json=hook, headers=committed.admin)).status_code == 201
    recorded = await api.post("/v1/contacts", json=web_contact(links=[PERMIT]), headers=committed.writer)
    assert recorded.status_code == 201, recorded.text
    reference = recorded.json()["ticket"]["reference"]
    expected = {"link_id": recorded.json()["links"][0]["id"], "contact_id": recorded.json()["contact_id"], **PERMIT}

    feed, _ = await read_all(api, committed.reader, types="ticket.link_added")
    assert [(item["ticket"], item["data"]) for item in feed] == [(reference, expected)]

    await deliver_once(database.sessions, settings, clock)
    [delivered] = receiver.on("/links")
    assert delivered.event["type"] == "ticket.link_added"
    assert delivered.event["ticket"] == reference
    assert delivered.event["data"] == expected
