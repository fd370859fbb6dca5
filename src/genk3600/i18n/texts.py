"""Texts staff read — timeline entries, role sentences, routing explanations — as a code plus parameters.

DESIGN.md: "texts people read are stored as a code plus parameters and rendered in the reader's language".
A writer stores `Message(code, params)`; a reader renders it with `render(...)` in the language it asks for.
Parameters hold codes (units, categories, statuses, channels …), never words: the words come from the
catalogues (closed vocabularies, below) or from the per-language names of units and categories (`Names`),
so one stored entry reads in Dutch, French, English or German and follows a unit's renaming.

Free text (a note, a staff member's or rule's name, a keyword) is a parameter too and stays as written.

The message ids here are the staff's register: the klantentaal rules for citizens' texts (B1, no jargon,
tests/i18n) do not apply to them, but every one is translated in every catalogue like any other text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from genk3600.i18n.catalogue import N_, locale_of, translator
from genk3600.models.enums import (
    Channel,
    Confidentiality,
    EscalationReason,
    Language,
    PartyRelationship,
    PartyRole,
    Position,
    Priority,
    Role,
    TicketStatus,
)

LEGACY = "legacy"  # entries written before texts had a code: their English text, shown as stored
BRUSSELS = ZoneInfo("Europe/Brussels")


class Kind(StrEnum):
    """How a parameter becomes words."""

    text = "text"  # as written (names of people and rules, notes, numbers, references)
    unit = "unit"  # a unit code → the unit's name in the language
    unit_staff = "unit_staff"  # [unit code, staff name or null] → "Omgeving (An Peeters)"
    category = "category"  # a category code → the category's name in the language
    status = "status"
    priority = "priority"
    channel = "channel"  # "phone" → "phone"
    contact = "contact"  # a channel → "a phone contact"
    position = "position"  # a position (or null) as the subject of a sentence: "An Agent"
    reason = "reason"  # an escalation reason
    confidentiality = "confidentiality"
    language = "language"
    role = "role"  # "deciding" → "deciding"
    moment = "moment"  # an ISO 8601 moment → local date and time in the language
    message = "message"  # a nested message {"code", "params"}
    messages = "messages"  # a list of nested messages, joined with commas
    party = "party"  # a party's role or a representative's relationship → "a family member"


@dataclass(frozen=True)
class Spec:
    text: str
    kinds: Mapping[str, Kind] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """A text as stored: its code and its parameters (JSON values only)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


class Names(Protocol):
    """Names of units and categories per language (translated data, not catalogue entries)."""

    def unit(self, code: str, language: Language) -> str: ...

    def category(self, code: str, language: Language) -> str: ...


@dataclass(frozen=True)
class NameBook:
    """Names by code: `{code: {"nl": "Omgeving", "fr": "Environnement", ...}}`, with the code's canonical
    name under "" as the fallback for a language without its own."""

    units: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    categories: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def unit(self, code: str, language: Language) -> str:
        return _pick(self.units.get(code), language) or code

    def category(self, code: str, language: Language) -> str:
        return _pick(self.categories.get(code), language) or code


def _pick(names: Mapping[str, str] | None, language: Language) -> str | None:
    if not names:
        return None
    return names.get(language.value) or names.get("")


def localised_name(canonical: str, names: Mapping[str, str] | None, language: Language) -> str:
    """A unit's or category's name in `language`, else its canonical name."""
    return (names or {}).get(language.value) or canonical


NO_NAMES = NameBook()

# --- closed vocabularies ------------------------------------------------------------------------------

STATUS_LABELS: Mapping[str, str] = {
    TicketStatus.new: N_("new"),
    TicketStatus.assigned: N_("assigned"),
    TicketStatus.in_progress: N_("in progress"),
    TicketStatus.waiting_on_citizen: N_("waiting on the citizen"),
    TicketStatus.resolved: N_("resolved"),
    TicketStatus.closed: N_("closed"),
}
PRIORITY_LABELS: Mapping[str, str] = {
    Priority.low: N_("low"),
    Priority.normal: N_("normal"),
    Priority.high: N_("high"),
    Priority.urgent: N_("urgent"),
}
CHANNEL_LABELS: Mapping[str, str] = {
    Channel.phone: N_("phone"),
    Channel.mail: N_("e-mail"),
    Channel.web: N_("web form"),
    Channel.counter: N_("counter"),
    Channel.home_visit: N_("home visit"),
    Channel.appointment: N_("appointment"),
    Channel.letter: N_("letter"),
}
CONTACT_PHRASES: Mapping[str, str] = {
    Channel.phone: N_("a phone contact"),
    Channel.mail: N_("a mail contact"),
    Channel.web: N_("a web contact"),
    Channel.counter: N_("a counter contact"),
    Channel.home_visit: N_("a home visit"),
    Channel.appointment: N_("an appointment"),
    Channel.letter: N_("a letter"),
}
ROLE_LABELS: Mapping[str, str] = {
    Role.informing: N_("informing"),
    Role.registering: N_("registering"),
    Role.advising: N_("advising"),
    Role.deciding: N_("deciding"),
}
POSITION_LABELS: Mapping[str, str] = {
    Position.agent: N_("Agent"),
    Position.back_office: N_("Back-office employee"),
    Position.case_worker: N_("Case worker"),
    Position.supervisor: N_("Supervisor"),
    Position.admin: N_("Administrator"),
}
# A position as the subject of a sentence ("An Agent registered the facts."); "" for an unknown position.
POSITION_SUBJECTS: Mapping[str, str] = {
    Position.agent: N_("An Agent"),
    Position.back_office: N_("A Back-office employee"),
    Position.case_worker: N_("A Case worker"),
    Position.supervisor: N_("A Supervisor"),
    Position.admin: N_("An Administrator"),
    "": N_("A staff member"),
}
REASON_LABELS: Mapping[str, str] = {
    EscalationReason.needs_decision: N_("needs a decision"),
    EscalationReason.needs_expertise: N_("needs expertise"),
    EscalationReason.sla_breach: N_("a deadline passed"),
    EscalationReason.citizen_request: N_("the citizen asked for it"),
    EscalationReason.complaint: N_("complaint"),
    EscalationReason.returned: N_("returned to the front office"),
}
CONFIDENTIALITY_LABELS: Mapping[str, str] = {
    Confidentiality.normal: N_("normal"),
    Confidentiality.social: N_("social (OCMW)"),
}
LANGUAGE_LABELS: Mapping[str, str] = {
    Language.nl: N_("Dutch"),
    Language.fr: N_("French"),
    Language.en: N_("English"),
    Language.de: N_("German"),
}
# A party by what it is to the subject (a representative's relationship), else by its role.
PARTY_LABELS: Mapping[str, str] = {
    PartyRole.subject: N_("the citizen the contact is about"),
    PartyRole.representative: N_("someone acting on the citizen's behalf"),
    PartyRelationship.family_member: N_("a family member acting on the citizen's behalf"),
    PartyRelationship.partner: N_("the citizen's partner, acting on their behalf"),
    PartyRelationship.informal_carer: N_("an informal carer acting on the citizen's behalf"),
    PartyRelationship.legal_administrator: N_("the citizen's legal administrator"),
    PartyRelationship.guardian: N_("the citizen's guardian"),
    PartyRelationship.social_worker: N_("a social worker of another organisation"),
    PartyRelationship.lawyer: N_("the citizen's lawyer"),
    PartyRelationship.other: N_("someone else acting on the citizen's behalf"),
}
_LABELS: Mapping[Kind, Mapping[str, str]] = {
    Kind.status: STATUS_LABELS,
    Kind.priority: PRIORITY_LABELS,
    Kind.channel: CHANNEL_LABELS,
    Kind.contact: CONTACT_PHRASES,
    Kind.reason: REASON_LABELS,
    Kind.confidentiality: CONFIDENTIALITY_LABELS,
    Kind.language: LANGUAGE_LABELS,
    Kind.party: PARTY_LABELS,
    Kind.role: ROLE_LABELS,
}

# --- the messages --------------------------------------------------------------------------------------

_UNIT = {"unit": Kind.unit}
_CONTACT = {"contact": Kind.contact}
_WHO = {"who": Kind.position, "contact": Kind.contact}
_STATUS_CHANGE = {"old": Kind.status, "new": Kind.status}
_HANDOVER = {"source": Kind.unit, "target": Kind.unit_staff, "reason": Kind.reason}
_RULE = {"unit": Kind.unit, "reasons": Kind.messages}

MESSAGES: Mapping[str, Spec] = {
    # The ticket's life
    "ticket.created": Spec(N_("Ticket created from {contact}; owned by {unit}."), {**_CONTACT, **_UNIT}),
    "ticket.created_follow_up": Spec(
        N_("Ticket created from {contact}; owned by {unit}; follows up on {reference}, which was already {status}."),
        {**_CONTACT, **_UNIT, "status": Kind.status},
    ),
    "ticket.imported": Spec(
        N_("Ticket imported from historical records ({source}, line {line}); owned by {unit}."), _UNIT
    ),
    "ticket.imported_status": Spec(N_("Status in the system it was imported from: {status}."), {"status": Kind.status}),
    "ticket.contact_added": Spec(N_("Added {contact}."), _CONTACT),
    "ticket.contact_linked": Spec(N_("Added {contact}: linked by {who}."), _CONTACT),
    "ticket.contact_same_question": Spec(
        N_("Added {contact}: same citizen and category {category} while {reference} is open."),
        {**_CONTACT, "category": Kind.category},
    ),
    "ticket.contact_reply": Spec(N_("Added {contact}: a reply on {reference}."), _CONTACT),
    "ticket.contact_reply_reopens": Spec(N_("Added {contact}: a reply within {days} days of resolution."), _CONTACT),
    "ticket.mail_bounced": Spec(N_("Mail to the citizen bounced: {reason}.")),
    "ticket.mail_bounced_unexplained": Spec(N_("Mail to the citizen bounced; the mail server gave no reason.")),
    "ticket.reopened": Spec(N_("Reopened: the citizen replied within {days} days of resolution.")),
    "ticket.status_changed": Spec(N_("Status changed from {old} to {new} by {actor}."), _STATUS_CHANGE),
    "ticket.priority_changed": Spec(
        N_("Priority changed from {old} to {new}."), {"old": Kind.priority, "new": Kind.priority}
    ),
    "ticket.assigned": Spec(N_("Assigned to {assignee} by {actor}.")),
    "ticket.unassigned": Spec(N_("Assigned to nobody by {actor}.")),
    "ticket.claimed": Spec(N_("Claimed from the queue of {unit} by {actor}."), _UNIT),
    "ticket.escalated_for_advice": Spec(
        N_(
            "Escalated by {actor} from {source} to {target}, tier {old_tier} → {new_tier}, "
            "asking for advice ({reason})."
        ),
        _HANDOVER,
    ),
    "ticket.escalated_for_decision": Spec(
        N_(
            "Escalated by {actor} from {source} to {target}, tier {old_tier} → {new_tier}, "
            "asking for a decision ({reason})."
        ),
        _HANDOVER,
    ),
    "ticket.returned": Spec(
        N_("Returned by {actor} from {source} to {target}, tier {old_tier} → {new_tier}."), _HANDOVER
    ),
    "ticket.party_added": Spec(N_("Party to {contact}: {party}."), {**_CONTACT, "party": Kind.party}),
    "ticket.party_removed": Spec(N_("Removed a party from {contact}: {party}."), {**_CONTACT, "party": Kind.party}),
    "ticket.link_added": Spec(N_("Linked to {object_type} {object_id} in {system}.")),
    "ticket.link_removed": Spec(N_("Link to {object_type} {object_id} in {system} removed.")),
    "ticket.break_glass": Spec(
        N_("A supervisor opened this social case (break the glass); the reason is on the audit trail.")
    ),
    # Answers to the citizen (answering/)
    "reply.mail": Spec(N_("Answered the citizen by e-mail (role: {role})."), {"role": Kind.role}),
    "reply.letter": Spec(N_("Recorded a letter to the citizen (role: {role})."), {"role": Kind.role}),
    "reply.phone": Spec(N_("Answered the citizen by phone (role: {role})."), {"role": Kind.role}),
    # Deadlines
    "sla.first_response_missed": Spec(
        N_("First-response deadline {due} passed without a first response."), {"due": Kind.moment}
    ),
    "sla.first_response_late": Spec(
        N_("First-response deadline {due} passed; the first response came at {answered}."),
        {"due": Kind.moment, "answered": Kind.moment},
    ),
    "sla.resolution_missed": Spec(N_("Resolution deadline {due} passed without resolution."), {"due": Kind.moment}),
    "sla.warning": Spec(
        N_("{percent}% of the resolution time is used up: the resolution deadline is {due}."), {"due": Kind.moment}
    ),
    # Roles: the timeline entry and the sentence on a participation
    "participation.informing": Spec(N_("{who} informed the citizen in {contact}."), _WHO),
    "participation.registering": Spec(N_("{who} registered the facts of {contact}."), _WHO),
    "participation.advising": Spec(N_("{who} gave advice on {contact}."), _WHO),
    "participation.deciding": Spec(N_("{who} took the decision in {contact}."), _WHO),
    "role.informing": Spec(N_("{who} informed the citizen."), {"who": Kind.position}),
    "role.registering": Spec(N_("{who} registered the facts."), {"who": Kind.position}),
    "role.advising": Spec(N_("{who} gave advice for a later decision."), {"who": Kind.position}),
    "role.deciding": Spec(N_("{who} took the decision."), {"who": Kind.position}),
    # Routing: the decision, what matched, what the rule did
    "routing.rule": Spec(N_("rule '{rule}' v{version}: {reasons} → {unit}"), _RULE),
    "routing.rule_with_details": Spec(
        N_("rule '{rule}' v{version}: {reasons} → {unit} ({details})"), {**_RULE, "details": Kind.messages}
    ),
    "routing.default": Spec(N_("no rule matched: default → {unit} (front office)"), _UNIT),
    "routing.category_default": Spec(
        N_("no rule matched: category {category} → {unit} (the category's default unit)"),
        {**_UNIT, "category": Kind.category},
    ),
    "routing.kept_in_ocmw": Spec(
        N_("{explanation}; a social ticket stays in the OCMW: kept at {unit}"),
        {**_UNIT, "explanation": Kind.message},
    ),
    "routing.matched.any": Spec(N_("any contact")),
    "routing.matched.channel": Spec(N_("channel {channel}"), {"channel": Kind.channel}),
    "routing.matched.category": Spec(N_("category {category}"), {"category": Kind.category}),
    "routing.matched.category_prefix": Spec(N_("category {category} ({prefix})"), {"category": Kind.category}),
    "routing.matched.language": Spec(N_("language {language}"), {"language": Kind.language}),
    "routing.matched.case_worker": Spec(N_("citizen has case worker")),
    "routing.matched.no_case_worker": Spec(N_("citizen has no case worker")),
    "routing.matched.local_time": Spec(N_("local time {time} in {start}-{end}")),
    "routing.matched.keyword": Spec(N_("keyword '{keyword}'")),
    "routing.action.priority": Spec(N_("priority {priority}"), {"priority": Kind.priority}),
    "routing.action.confidentiality": Spec(
        N_("confidentiality {confidentiality}"), {"confidentiality": Kind.confidentiality}
    ),
    "routing.action.sla_policy": Spec(N_("SLA policy {policy}")),
    "routing.action.tier": Spec(N_("tier {tier}")),
    "routing.action.case_worker": Spec(N_("assigned to the citizen's case worker")),
    "routing.action.named_staff": Spec(N_("assigned to staff member {staff_id}")),
    "routing.action.no_case_worker": Spec(N_("to the unit's queue: the citizen has no case worker")),
    "routing.assigned_by_rule": Spec(N_("Assigned to {assignee} by the rule.")),
    "routing.assigned_case_worker": Spec(N_("Assigned to {assignee}, the citizen's own case worker.")),
    "routing.outside_ocmw": Spec(
        N_("{assignee} works outside the OCMW and may not hold a social ticket: to the unit's queue.")
    ),
    "routing.named_staff_away": Spec(N_("The rule's named staff member is absent or inactive: to the unit's queue.")),
    "routing.case_worker_absent": Spec(N_("{assignee}, the citizen's case worker, is absent: to the unit's queue.")),
    # Contact flags: why a contact needs a person's eye (ContactFlag), as a short name
    "flag.automated": Spec(N_("automated message")),
    "flag.ambiguous_citizen": Spec(N_("several citizens match")),
    "flag.missed_call": Spec(N_("missed call")),
    "flag.awaiting_summary": Spec(N_("summary missing")),
    "flag.malformed_headers": Spec(N_("unreadable header lines")),
    "flag.attachment_over_cap": Spec(N_("attachment too large")),
    "flag.mail_bounced": Spec(N_("our mail to the citizen bounced")),
    # Automatic assignment (assignment/policy.py): to whom and why, offers declined or left to time out
    "assignment.offered": Spec(
        N_("Offered to {staff}: {reasons}, {open} of {capacity} open."), {"reasons": Kind.messages}
    ),
    "assignment.assigned": Spec(
        N_("Assigned to {staff}: {reasons}, {open} of {capacity} open."), {"reasons": Kind.messages}
    ),
    "assignment.declined": Spec(N_("{staff} declined the offer.")),
    "assignment.expired": Spec(N_("{staff} did not answer the offer within {seconds} seconds.")),
    "assignment.off": Spec(N_("The unit assigns nothing by itself: staff claim from the queue.")),
    "assignment.nobody": Spec(N_("Nobody can take it now: {skipped}."), {"skipped": Kind.messages}),
    "assignment.reason.available": Spec(N_("available")),
    "assignment.reason.case_worker": Spec(N_("the citizen's case worker")),
    "assignment.reason.speaks": Spec(N_("speaks {language}"), {"language": Kind.language}),
    "assignment.reason.category": Spec(N_("handles {category}"), {"category": Kind.category}),
    "assignment.reason.desk": Spec(N_("staffs {unit}"), _UNIT),
    "assignment.reason.turn": Spec(N_("next in turn")),
    "assignment.reason.least_loaded": Spec(N_("least loaded")),
    "assignment.skipped.not_available": Spec(N_("{count} not available")),
    "assignment.skipped.has_open_offer": Spec(N_("{count} considering another offer")),
    "assignment.skipped.declined_recently": Spec(N_("{count} declined it recently")),
    "assignment.skipped.may_not_hold_social": Spec(N_("{count} may not hold a social ticket")),
    "assignment.skipped.language": Spec(N_("{count} do not speak its language")),
    "assignment.skipped.category": Spec(N_("{count} do not handle its category")),
    "assignment.skipped.desk": Spec(N_("{count} do not staff its desk")),
    "assignment.skipped.capacity": Spec(N_("{count} at full capacity")),
    # Call-back requests (genk3600/callbacks/) and contact outcomes
    "callback.created": Spec(
        N_("Call-back requested by {actor}: {target} calls the citizen back, due {due}."),
        {"target": Kind.unit_staff, "due": Kind.moment},
    ),
    "callback.assigned": Spec(N_("Call-back taken by {assignee}.")),
    "callback.attempt": Spec(
        N_("Call-back attempt {attempt} of at most {max_attempts} by {actor}: {outcome}."), {"outcome": Kind.message}
    ),
    "callback.outcome.reached": Spec(N_("the citizen was reached")),
    "callback.outcome.no_answer": Spec(N_("no answer")),
    "callback.outcome.voicemail_left": Spec(N_("voicemail left")),
    "callback.outcome.wrong_number": Spec(N_("wrong number")),
    "callback.completed": Spec(N_("Call-back done: the citizen was reached.")),
    "callback.failed_mailed": Spec(
        N_(
            "Call-back closed without reaching the citizen (attempts: {attempts}); the ticket is flagged and the "
            "citizen was sent an e-mail."
        )
    ),
    "callback.failed_letter": Spec(
        N_(
            "Call-back closed without reaching the citizen (attempts: {attempts}); the ticket is flagged and a "
            "letter must be sent to the citizen."
        )
    ),
    "callback.failed_no_address": Spec(
        N_(
            "Call-back closed without reaching the citizen (attempts: {attempts}); the ticket is flagged; there is no "
            "e-mail or postal address to write to."
        )
    ),
    "callback.cancelled": Spec(N_("Call-back cancelled by {actor}.")),
    "callback.letter_sent": Spec(N_("The letter about the failed call-back was sent (recorded by {actor}).")),
    # One person, one record (genk3600/identity/): ids only, so the entry names nobody on a social case.
    "citizen.merged": Spec(
        N_("{actor} merged citizen record {merged} into {survivor}: both are one person, citizen {survivor}.")
    ),
    "citizen.unmerged": Spec(
        N_("{actor} undid the merge of citizen record {merged} into {survivor}: they are two records again.")
    ),
    "duplicate.same_national_number": Spec(N_("Same national number")),
    "duplicate.same_email": Spec(N_("Same e-mail address")),
    "duplicate.same_phone": Spec(N_("Same phone number")),
    "duplicate.similar_name": Spec(N_("Similar name ({percent} % alike)")),
    # Appointments and home visits (genk3600/appointments/)
    "appointment.booked": Spec(
        N_("Appointment ({kind}) booked by {actor} with {with} on {when}."),
        {"with": Kind.unit_staff, "when": Kind.moment},
    ),
    "appointment.moved": Spec(
        N_("Appointment ({kind}) moved by {actor} from {before} to {when}, with {with}."),
        {"with": Kind.unit_staff, "when": Kind.moment, "before": Kind.moment},
    ),
    "appointment.cancelled": Spec(N_("Appointment ({kind}) on {when} cancelled by {actor}."), {"when": Kind.moment}),
    "appointment.held": Spec(
        N_("Appointment ({kind}) on {when} held; recorded as a contact by {actor}."), {"when": Kind.moment}
    ),
    "appointment.no_show": Spec(
        N_("The citizen did not come to the appointment ({kind}) on {when} (recorded by {actor})."),
        {"when": Kind.moment},
    ),
    "appointment.reminded": Spec(
        N_("Reminder of the appointment ({kind}) on {when} sent to the citizen."), {"when": Kind.moment}
    ),
    "contact.outcome_recorded": Spec(
        N_("Outcome of {contact} recorded by {actor}: {reached}; {answered}."),
        {"contact": Kind.contact, "reached": Kind.message, "answered": Kind.message},
    ),
    "contact.reached.yes": Spec(N_("reached the citizen")),
    "contact.reached.no": Spec(N_("did not reach the citizen")),
    "contact.reached.unknown": Spec(N_("reaching the citizen not recorded")),
    "contact.answered.yes": Spec(N_("question answered at the first contact")),
    "contact.answered.no": Spec(N_("question not answered at the first contact")),
    "contact.answered.unknown": Spec(N_("answer at the first contact not recorded")),
}

NOTE = N_("Note: {note}")


def _label(language: Language, table: Mapping[str, str], value: Any) -> str:
    text = table.get(str(value)) if value is not None else None
    return translator(language).gettext(text) if text is not None else str(value)


def _moment(value: Any, language: Language, zone: tzinfo) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    local = moment.astimezone(zone)
    return format_datetime(local, format="medium", locale=locale_of(language))


def _word(kind: Kind, value: Any, language: Language, names: Names, zone: tzinfo) -> str:
    if kind is Kind.unit:
        return names.unit(str(value), language) if value is not None else "—"
    if kind is Kind.unit_staff:
        unit, staff = [*value, None, None][:2] if isinstance(value, list) else (value, None)
        shown = names.unit(str(unit), language)
        return f"{shown} ({staff})" if staff else shown
    if kind is Kind.category:
        return names.category(str(value), language) if value is not None else "—"
    if kind is Kind.position:
        subject = POSITION_SUBJECTS.get(str(value) if value is not None else "", POSITION_SUBJECTS[""])
        return translator(language).gettext(subject)
    if kind is Kind.moment:
        return _moment(value, language, zone)
    if kind is Kind.message:
        nested = value if isinstance(value, Mapping) else {}
        return render(str(nested.get("code", LEGACY)), nested.get("params") or {}, language, names, zone)
    if kind is Kind.messages:
        items = value if isinstance(value, list) else []
        return ", ".join(
            render(str(item.get("code", LEGACY)), item.get("params") or {}, language, names, zone)
            for item in items
            if isinstance(item, Mapping)
        )
    if kind in _LABELS:
        return _label(language, _LABELS[kind], value)
    return "" if value is None else str(value)


def render(
    code: str,
    params: Mapping[str, Any],
    language: Language | str,
    names: Names = NO_NAMES,
    zone: tzinfo = BRUSSELS,
) -> str:
    """A stored text in `language`: the catalogue's sentence with its parameters put into words.

    An unknown code (written by a newer version) or a legacy entry shows the stored `text`, if any.
    """
    language = language if type(language) is Language else Language(language)
    spec = MESSAGES.get(code)
    if spec is None:
        return str(params.get("text") or code)
    t = translator(language)
    words = {name: _word(kind, params.get(name), language, names, zone) for name, kind in spec.kinds.items()}
    values = {key: ("" if value is None else value) for key, value in params.items() if key not in words}
    text = t.gettext(spec.text).format_map(_Defaulting({**values, **words}))
    note = params.get("note")
    if note:
        text += " " + t.gettext(NOTE).format(note=note)
    return text


def render_message(message: Message, language: Language | str, names: Names = NO_NAMES, zone: tzinfo = BRUSSELS) -> str:
    return render(message.code, message.params, language, names, zone)


class _Defaulting(dict[str, Any]):
    """A missing parameter shows as "?" rather than failing the whole timeline page."""

    def __missing__(self, key: str) -> str:
        return "?"


def label(kind: Kind, value: str, language: Language | str) -> str:
    """One word of a closed vocabulary (status, priority, channel, reason …) in `language`."""
    return _label(Language(language), _LABELS.get(kind, {}), value)


def role_label(role: str, language: Language | str) -> str:
    return _label(Language(language), ROLE_LABELS, role)


def position_label(position: str, language: Language | str) -> str:
    return _label(Language(language), POSITION_LABELS, position)


def flag_text(flag: str) -> Message:
    """A contact flag as a message (`flag.ambiguous_citizen`): its name in the reader's language."""
    return Message(f"flag.{flag}")


def flag_name(flag: str, language: Language | str) -> str:
    return render_message(flag_text(flag), language)


def legacy(text: str) -> dict[str, Any]:
    """A sentence without a code (already in words), nested where a message is expected."""
    return Message(LEGACY, {"text": text}).as_json()


def messages_json(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [message.as_json() for message in messages]
