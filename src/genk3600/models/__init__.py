"""ORM models, centralised because every capability references them (DESIGN.md §2)."""

from genk3600.models.api_client import ApiClient, IdempotencyKey, RateLimitBucket
from genk3600.models.base import Base
from genk3600.models.category import Category, CategoryDecider
from genk3600.models.citizen import Citizen
from genk3600.models.organisation import Staff, StaffMembership, Unit
from genk3600.models.routing import RoutingRule, RoutingRuleVersion
from genk3600.models.sla import ClosingDay, OpeningHours, SlaPolicy
from genk3600.models.ticket import (
    Call,
    Contact,
    ContactAttachment,
    Escalation,
    OutboundMail,
    Participation,
    Ticket,
    TicketEvent,
    ticket_number_seq,
)

__all__ = [
    "ApiClient",
    "Base",
    "Call",
    "Category",
    "CategoryDecider",
    "Citizen",
    "ClosingDay",
    "Contact",
    "ContactAttachment",
    "Escalation",
    "IdempotencyKey",
    "OpeningHours",
    "OutboundMail",
    "Participation",
    "RateLimitBucket",
    "RoutingRule",
    "RoutingRuleVersion",
    "SlaPolicy",
    "Staff",
    "StaffMembership",
    "Ticket",
    "TicketEvent",
    "Unit",
    "ticket_number_seq",
]
