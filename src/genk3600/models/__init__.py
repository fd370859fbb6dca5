"""ORM models, centralised because every capability references them (DESIGN.md §2)."""

from genk3600.models.api_client import ApiClient
from genk3600.models.base import Base
from genk3600.models.category import Category
from genk3600.models.citizen import Citizen
from genk3600.models.organisation import Staff, StaffMembership, Unit
from genk3600.models.ticket import Contact, Participation, Ticket, TicketEvent, ticket_number_seq

__all__ = [
    "ApiClient",
    "Base",
    "Category",
    "Citizen",
    "Contact",
    "Participation",
    "Staff",
    "StaffMembership",
    "Ticket",
    "TicketEvent",
    "Unit",
    "ticket_number_seq",
]
