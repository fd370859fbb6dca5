"""The one shape every channel's contact takes before it is recorded (channel adapters build it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from genk3600.citizens.schemas import CitizenIdentification
from genk3600.models.enums import Channel, ContactFlag, Direction, Language


@dataclass(frozen=True)
class IncomingAttachment:
    filename: str | None
    content_type: str
    size: int
    sha256: str
    content: bytes | None  # None when over the size cap


@dataclass(frozen=True)
class Threading:
    """Hints that a contact continues an existing ticket (mail replies), tried in this order."""

    ticket_references: tuple[str, ...] = ()  # named in the subject
    in_reply_to: tuple[str, ...] = ()  # Message-IDs the mail answers
    references: tuple[str, ...] = ()  # Message-IDs of the thread


@dataclass(frozen=True)
class DeliveryFailure:
    """A report that one of our own messages (by its Message-ID) did not reach the citizen: a bounce."""

    message_ids: tuple[str, ...]
    reason: str
    recipient: str | None


@dataclass(frozen=True)
class Intake:
    channel: Channel
    body: str
    subject: str | None = None
    direction: Direction = Direction.inbound
    language: Language | None = None
    category: str | None = None
    citizen: CitizenIdentification | None = None
    channel_details: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None
    external_id: str | None = None  # Message-ID or call id: the same one is recorded only once
    ticket_reference: str | None = None  # an explicit link chosen by a person
    threading: Threading = Threading()
    flags: frozenset[ContactFlag] = frozenset()
    attachments: tuple[IncomingAttachment, ...] = ()
    opens_ticket: bool = True  # False for auto-replies and bounces
    delivery_failure: DeliveryFailure | None = None  # a bounce: joins the ticket of the mail that bounced
    # The contact's outcome, when the recorder says it (None: not recorded).
    reached_citizen: bool | None = None
    answered_at_first_contact: bool | None = None


class Outcome(StrEnum):
    created = "created"  # a new ticket was opened
    attached = "attached"  # joined an open ticket (explicit link or same citizen + category)
    threaded = "threaded"  # a reply that continues a ticket
    reopened = "reopened"  # a reply that reopened a recently resolved ticket
    duplicate = "duplicate"  # this Message-ID / call was recorded before; nothing new was written
    stored = "stored"  # kept without a ticket (auto-reply, bounce, call awaiting its summary)
