"""iCalendar (RFC 5545) for appointments: the invitation sent with a confirmation, move, cancellation or
reminder (METHOD REQUEST or CANCEL, RFC 5546), and a staff member's own feed (METHOD PUBLISH).

The UID of an appointment never changes and its SEQUENCE grows with every move or cancellation, so calendar
programs update the one event instead of adding another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

PRODID = "-//Stad Genk//Genk3600//NL"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str | None = None
    cancelled: bool = False


def _calendar(method: str, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _event(event: CalendarEvent, stamp: datetime) -> Event:
    item = Event()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", stamp)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.summary)
    item.add("description", event.description)
    if event.location:
        item.add("location", event.location)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return item


def invitation(event: CalendarEvent, stamp: datetime) -> str:
    """One appointment as a mail attachment: REQUEST (new, moved, reminder) or CANCEL."""
    calendar = _calendar("CANCEL" if event.cancelled else "REQUEST")
    calendar.add_component(_event(event, stamp))
    text: str = calendar.to_ical().decode()
    return text


def feed(name: str, events: Iterable[CalendarEvent], stamp: datetime) -> str:
    """A staff member's appointments as a subscribable calendar."""
    calendar = _calendar("PUBLISH", name)
    for event in events:
        calendar.add_component(_event(event, stamp))
    text: str = calendar.to_ical().decode()
    return text
