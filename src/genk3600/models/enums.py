"""Closed vocabularies of the domain (DESIGN.md §1). Stored as text with CHECK constraints."""

from enum import StrEnum


class Language(StrEnum):
    nl = "nl"
    fr = "fr"
    en = "en"
    de = "de"


class UnitKind(StrEnum):
    department = "department"
    ocmw_service = "ocmw_service"
    contact_centre = "contact_centre"
    reception = "reception"
    quick_desk = "quick_desk"
    thematic_desk = "thematic_desk"


# The desks of the one front door; a unit of these kinds is `front_office` unless an admin says otherwise.
FRONT_OFFICE_UNIT_KINDS: tuple[str, ...] = (
    UnitKind.contact_centre.value,
    UnitKind.reception.value,
    UnitKind.quick_desk.value,
    UnitKind.thematic_desk.value,
)
# Units of this kind make up the OCMW: the only possible owners of social tickets.
OCMW_UNIT_KIND = UnitKind.ocmw_service.value


class Position(StrEnum):
    agent = "agent"
    back_office = "back_office"
    case_worker = "case_worker"
    supervisor = "supervisor"
    admin = "admin"


class Confidentiality(StrEnum):
    normal = "normal"
    social = "social"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Channel(StrEnum):
    phone = "phone"
    mail = "mail"
    web = "web"
    counter = "counter"
    home_visit = "home_visit"
    appointment = "appointment"
    letter = "letter"  # a paper letter: replies to citizens without an e-mail address


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class Role(StrEnum):
    informing = "informing"
    registering = "registering"
    advising = "advising"
    deciding = "deciding"


class TicketStatus(StrEnum):
    new = "new"
    assigned = "assigned"
    in_progress = "in_progress"
    waiting_on_citizen = "waiting_on_citizen"
    resolved = "resolved"
    closed = "closed"


# Finished tickets are off the clock, out of the queues and done for the citizen; reopening brings them back.
FINISHED_STATUSES: tuple[str, ...] = (TicketStatus.resolved.value, TicketStatus.closed.value)
OPEN_STATUSES: tuple[str, ...] = tuple(status.value for status in TicketStatus if status not in FINISHED_STATUSES)


class TicketEventType(StrEnum):
    created = "created"
    contact_added = "contact_added"
    routed = "routed"
    assigned = "assigned"
    escalated = "escalated"
    status_changed = "status_changed"
    participation_recorded = "participation_recorded"
    note = "note"
    merged = "merged"
    sla_warning = "sla_warning"
    sla_breach = "sla_breach"
    mail_bounced = "mail_bounced"  # our mail to the citizen came back undelivered
    party_added = "party_added"  # a person or organisation named as a party to one of the contacts
    party_removed = "party_removed"
    link_added = "link_added"  # a reference to an object in another system (onderwerpobject)
    link_removed = "link_removed"
    replied = "replied"  # an answer to the citizen: by mail, letter or phone (answering/)
    offer = "offer"  # automatic assignment offered the ticket to someone, who declined or let it time out
    # Call-back requests (terugbelverzoeken) on the ticket: genk3600/callbacks/.
    callback_created = "callback_created"
    callback_assigned = "callback_assigned"
    callback_attempt_recorded = "callback_attempt_recorded"
    callback_completed = "callback_completed"  # the citizen was reached
    callback_failed = "callback_failed"  # closed without reaching them; the ticket is flagged
    callback_cancelled = "callback_cancelled"
    callback_letter_sent = "callback_letter_sent"
    # Two citizen records found to be one person (genk3600/identity/): on every ticket of both, and undone.
    citizen_merged = "citizen_merged"
    citizen_unmerged = "citizen_unmerged"
    # Appointments and home visits on the ticket: genk3600/appointments/.
    appointment_booked = "appointment_booked"
    appointment_moved = "appointment_moved"
    appointment_cancelled = "appointment_cancelled"
    appointment_held = "appointment_held"  # recorded as a contact with its role
    appointment_no_show = "appointment_no_show"


class PartyKind(StrEnum):
    person = "person"
    organisation = "organisation"


class PartyRole(StrEnum):
    """What a party is to a contact (Klantinteracties: betrokkene)."""

    subject = "subject"  # the citizen the contact is about
    representative = "representative"  # made the contact on the subject's behalf


class PartyRelationship(StrEnum):
    """What a representative is to the subject."""

    family_member = "family_member"
    partner = "partner"
    informal_carer = "informal_carer"  # mantelzorger
    legal_administrator = "legal_administrator"  # bewindvoerder
    guardian = "guardian"  # voogd
    social_worker = "social_worker"  # of another organisation
    lawyer = "lawyer"
    other = "other"


class RelationKind(StrEnum):
    """What a related citizen is to a citizen (read from that citizen's side)."""

    partner = "partner"
    parent = "parent"
    child = "child"
    household_member = "household_member"  # lives in the same household (a grandparent, a flatmate)


class RepresentationKind(StrEnum):
    """On what ground someone represents a citizen."""

    informal_carer = "informal_carer"  # mantelzorger: with the citizen's own consent
    legal_administrator = "legal_administrator"  # bewindvoerder: appointed by the justice of the peace
    guardian = "guardian"  # voogd: of a minor, or of an adult under the court's protection


class ConsentScope(StrEnum):
    """What a representative may do for the citizen (households/service.py: what each covers)."""

    all = "all"  # everything below
    information = "information"  # be told about the citizen's questions and their progress
    applications = "applications"  # make contacts and requests for the citizen (normal matters)
    appointments = "appointments"  # book, move and cancel appointments and home visits
    social = "social"  # OCMW matters: act on the citizen's social cases


class ConsentSource(StrEnum):
    """What the representation rests on."""

    signed_consent = "signed_consent"  # a consent form the citizen signed
    court_order = "court_order"  # a judgement of the justice of the peace (vrederechter)
    other = "other"


class DeskKind(StrEnum):
    reception = "reception"
    quick_desk = "quick_desk"
    thematic_desk = "thematic_desk"


class ContactFlag(StrEnum):
    """Why a contact needs a person's eye, or why it did not open a ticket."""

    automated = "automated"  # auto-reply or bounce: stored, never a ticket, never answered
    ambiguous_citizen = "ambiguous_citizen"  # several citizens match: left unlinked for an agent
    missed_call = "missed_call"
    awaiting_summary = "awaiting_summary"  # a call ended; the agent has not recorded it yet
    malformed_headers = "malformed_headers"
    attachment_over_cap = "attachment_over_cap"
    mail_bounced = "mail_bounced"  # a bounce of our mail to the citizen: their address needs checking


class CallState(StrEnum):
    ringing = "ringing"
    answered = "answered"
    ended = "ended"


class EscalationReason(StrEnum):
    needs_decision = "needs_decision"
    needs_expertise = "needs_expertise"
    sla_breach = "sla_breach"
    citizen_request = "citizen_request"
    complaint = "complaint"
    returned = "returned"  # back to the front office (de-escalation)


class ReplyMedium(StrEnum):
    """How an answer reaches the citizen: mailed by us, or recorded as sent on paper or said on the phone."""

    mail = "mail"
    letter = "letter"
    phone = "phone"


class OutboundMailStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"  # gave up after the configured number of attempts
    bounced = "bounced"  # sent, then reported undeliverable by the citizen's mail server (a bounce)


class Scope(StrEnum):
    contacts_write = "contacts:write"
    tickets_read = "tickets:read"
    tickets_write = "tickets:write"
    audit_read = "audit:read"  # the DPO's and auditors' tools: the audit trail, nothing else
    reports_read = "reports:read"  # aggregated figures only, for supervisors and dashboards
    citizens_lookup = "citizens:lookup"  # the screen pop's citizen search, for a system at the phone desk
    # The DPO's subject-access tools (export, erasure, legal hold): they read and change every record of a
    # citizen, social cases included, so `admin` alone does not reach them.
    citizens_export = "citizens:export"
    # The data steward's tools: duplicate candidates, merging two citizen records and undoing a merge.
    citizens_merge = "citizens:merge"
    admin = "admin"


class PresenceStatus(StrEnum):
    available = "available"
    busy = "busy"  # in a call or on a visit
    away = "away"
    offline = "offline"


class AssignmentMode(StrEnum):
    off = "off"  # staff claim from the queue themselves
    round_robin = "round_robin"
    least_loaded = "least_loaded"


class OfferState(StrEnum):
    open = "open"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    withdrawn = "withdrawn"  # the ticket was claimed, handed over or closed while offered


class TicketFlag(StrEnum):
    """Why a ticket needs a person's eye (shown with the ticket, filterable in the ticket list)."""

    callback_failed = "callback_failed"  # a call-back could not reach the citizen; cleared when one does


class CallbackStatus(StrEnum):
    open = "open"
    completed = "completed"  # the citizen was reached
    failed = "failed"  # the attempts ran out (or the number was wrong): the ticket is flagged
    cancelled = "cancelled"


class CallbackOutcome(StrEnum):
    """What one attempt to call the citizen back gave."""

    reached = "reached"
    no_answer = "no_answer"
    voicemail_left = "voicemail_left"
    wrong_number = "wrong_number"  # calling again is pointless: the call-back fails at once


class CitizenNotice(StrEnum):
    """How a citizen we could not reach by phone hears from us."""

    mail = "mail"  # to their e-mail address, through the outbound mail queue
    letter = "letter"  # no e-mail but a postal address: a letter task on the ticket
    none = "none"  # neither: nothing can be sent


class IdentifierKind(StrEnum):
    """What a citizen's secondary identifier is (kept from a merged record, so lookups still find the person)."""

    national_number = "national_number"  # the keyed hash, as on the citizen row
    email = "email"
    phone = "phone"


class DuplicateReason(StrEnum):
    """Why two citizen records may be one person."""

    same_national_number = "same_national_number"
    same_email = "same_email"
    same_phone = "same_phone"
    similar_name = "similar_name"


class AppointmentStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    held = "held"  # took place: recorded as a contact (channel appointment or home_visit) with its role
    no_show = "no_show"  # the citizen did not come (or was not home): an outcome, no contact


class AppointmentOutcome(StrEnum):
    held = "held"
    no_show = "no_show"


class AvailabilityExceptionReason(StrEnum):
    leave = "leave"
    training = "training"
    other = "other"


class BookedVia(StrEnum):
    staff = "staff"  # a staff member or a system through the API or the console
    citizen = "citizen"  # the citizen on the public status page, with their access code
