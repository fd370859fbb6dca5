"""ORM models, centralised because every capability references them (DESIGN.md §2)."""

from genk3600.models.api_client import ApiClient, IdempotencyKey, RateLimitBucket
from genk3600.models.appointment import (
    Appointment,
    AppointmentKind,
    Availability,
    AvailabilityException,
    StaffCalendarFeed,
)
from genk3600.models.assignment import AssignmentOffer, AssignmentPolicy, StaffPresence, StaffSkills
from genk3600.models.audit import AuditEntry
from genk3600.models.base import Base
from genk3600.models.callback import CallbackAttempt, CallbackRequest
from genk3600.models.category import Category, CategoryDecider
from genk3600.models.citizen import Citizen
from genk3600.models.events import OutboxEvent, WebhookDelivery, WebhookSubscription
from genk3600.models.household import CitizenRelation, Representation
from genk3600.models.identity import CitizenMerge, DuplicateDismissal
from genk3600.models.knowledge import ClassifierModel, Product, ProductCategory, ProductVersion
from genk3600.models.organisation import Staff, StaffMembership, Unit
from genk3600.models.party import ContactParty, ObjectLink
from genk3600.models.privacy import AccessGrant
from genk3600.models.reference import ReferenceVersion
from genk3600.models.reply import Reply, ReplyTemplate, ReplyTemplateVersion
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
    "AccessGrant",
    "ApiClient",
    "Appointment",
    "AppointmentKind",
    "AssignmentOffer",
    "AssignmentPolicy",
    "AuditEntry",
    "Availability",
    "AvailabilityException",
    "Base",
    "Call",
    "CallbackAttempt",
    "CallbackRequest",
    "Category",
    "CategoryDecider",
    "Citizen",
    "CitizenMerge",
    "CitizenRelation",
    "ClassifierModel",
    "ClosingDay",
    "Contact",
    "ContactAttachment",
    "ContactParty",
    "DuplicateDismissal",
    "Escalation",
    "IdempotencyKey",
    "ObjectLink",
    "OpeningHours",
    "OutboundMail",
    "OutboxEvent",
    "Participation",
    "Product",
    "ProductCategory",
    "ProductVersion",
    "RateLimitBucket",
    "ReferenceVersion",
    "Reply",
    "ReplyTemplate",
    "ReplyTemplateVersion",
    "Representation",
    "RoutingRule",
    "RoutingRuleVersion",
    "SlaPolicy",
    "Staff",
    "StaffCalendarFeed",
    "StaffMembership",
    "StaffPresence",
    "StaffSkills",
    "Ticket",
    "TicketEvent",
    "Unit",
    "WebhookDelivery",
    "WebhookSubscription",
    "ticket_number_seq",
]
