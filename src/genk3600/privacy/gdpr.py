"""GDPR: subject access (export), erasure by pseudonymisation, and the legal hold that stops it.

Erasure keeps rows and keys (the citizen, their tickets and contacts, categories, units, timestamps) so that
statistics per category and unit stay true; it removes what identifies or describes the person: names,
e-mail, phone, national number, and the free text they or we wrote (subjects, bodies, channel facts,
attachments). Every changed row is audited by the flush listener (with personal values redacted), and the
erasure itself is one audit entry with its reason and what it touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.appointments.repository import appointments_of_tickets, erase_appointment
from genk3600.audit.trail import audit_act, audit_read, audit_reads
from genk3600.auth.principal import Principal
from genk3600.callbacks.repository import callbacks_of_tickets
from genk3600.citizens import repository
from genk3600.citizens.schemas import (
    CitizenExport,
    ErasureOut,
    ExportedAppointment,
    ExportedAttachment,
    ExportedCallback,
    ExportedCitizen,
    ExportedContact,
    ExportedEvent,
    ExportedParticipation,
    ExportedParty,
    ExportedTicket,
    LegalHoldOut,
)
from genk3600.errors import Conflict, NotFound
from genk3600.households.repository import full_household, household_rows
from genk3600.households.schemas import HouseholdOut, household_fields
from genk3600.households.service import today
from genk3600.i18n.catalogue import P_
from genk3600.i18n.names import load_names
from genk3600.identity.merging import erase_merged_identities
from genk3600.identity.repository import records_merged_into
from genk3600.kit.clock import Clock
from genk3600.models import Citizen, Contact, ContactParty, Ticket
from genk3600.models.enums import Confidentiality, Language, PartyKind

ERASED = "[erased]"
CITIZEN_FIELDS = ("given_name", "family_name", "email", "phone", "national_number_hash", "national_number_masked")


class CitizenNotFound(NotFound):
    slug = "citizen-not-found"

    def __init__(self, citizen_id: int) -> None:
        super().__init__(
            P_("There is no citizen with id {citizen_id}."), params={"citizen_id": citizen_id}, citizen_id=citizen_id
        )


class LegalHoldSet(Conflict):
    title = P_("Legal hold")
    slug = "legal-hold"


async def _citizen(session: AsyncSession, citizen_id: int, *, lock: bool = False) -> Citizen:
    citizen = await repository.citizen_by_id(session, citizen_id, lock=lock)
    if citizen is None:
        raise CitizenNotFound(citizen_id)
    return citizen


async def export_citizen(session: AsyncSession, clock: Clock, viewer: Principal, citizen_id: int) -> CitizenExport:
    """Everything held about a citizen, as one document; always on the audit trail."""
    citizen = await _citizen(session, citizen_id)
    # Logged as a read of social content whatever the tickets are: a full export is always worth a record.
    await audit_read(session, viewer, "citizen_export", str(citizen.id), Confidentiality.social.value)
    contacts = await repository.contacts_of_citizen(session, citizen.id)
    tickets = await repository.tickets_of_citizen(session, citizen.id)
    # And which social tickets went out with it, by name, as every list of social content is recorded.
    await audit_reads(session, viewer, "export_citizen", [(ticket.id, ticket.confidentiality) for ticket in tickets])
    ticket_ids = [ticket.id for ticket in tickets]
    events = await repository.events_of_tickets(session, ticket_ids) if ticket_ids else []
    roles = await repository.participations_of_tickets(session, ticket_ids) if ticket_ids else []
    parties = await repository.parties_of_contacts_or_citizen(session, [contact.id for contact in contacts], citizen.id)
    callbacks = await callbacks_of_tickets(session, ticket_ids) if ticket_ids else []
    household = await full_household(session, citizen.id, today(clock))
    merged_records = await records_merged_into(session, citizen.id)
    appointments = await appointments_of_tickets(session, ticket_ids) if ticket_ids else []
    # The citizen reads their export: the timeline's texts in their own language.
    language, names = Language(citizen.preferred_language), await load_names(session)
    return CitizenExport(
        exported_at=clock.now(),
        citizen=ExportedCitizen.model_validate(citizen),
        merged_records=[ExportedCitizen.model_validate(record) for record in merged_records],
        contacts=[
            ExportedContact(
                id=contact.id,
                ticket_id=contact.ticket_id,
                channel=contact.channel,
                direction=contact.direction,
                language=contact.language,
                subject=contact.subject,
                body=contact.body,
                channel_details=contact.channel_details,
                occurred_at=contact.occurred_at,
                actor_name=contact.actor_name,
                attachments=[ExportedAttachment.model_validate(a) for a in contact.attachments],
                reached_citizen=contact.reached_citizen,
                answered_at_first_contact=contact.answered_at_first_contact,
            )
            for contact in contacts
        ],
        tickets=[
            ExportedTicket(
                id=ticket.id,
                reference=ticket.reference,
                status=ticket.status,
                priority=ticket.priority,
                subject=ticket.subject,
                confidentiality=ticket.confidentiality,
                created_at=ticket.created_at,
                resolved_at=ticket.resolved_at,
                timeline=[ExportedEvent.of(e, language, names) for e in events if e.ticket_id == ticket.id],
                participations=[
                    ExportedParticipation.model_validate(p) for ticket_id, p in roles if ticket_id == ticket.id
                ],
                callbacks=[ExportedCallback.model_validate(c) for c in callbacks if c.ticket_id == ticket.id],
                appointments=[ExportedAppointment.model_validate(a) for a in appointments if a.ticket_id == ticket.id],
            )
            for ticket in tickets
        ],
        parties=[ExportedParty.model_validate(party) for party in parties],
        household=HouseholdOut(**household_fields(household, citizen.id)),
    )


@dataclass
class Erased:
    """Counts of what one erasure touched."""

    contacts: int = 0
    attachments: int = 0
    tickets: int = 0
    calls: int = 0
    outbound_mails: int = 0
    parties: int = 0
    callbacks: int = 0
    representations: int = 0
    appointments: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts,
            "attachments": self.attachments,
            "tickets": self.tickets,
            "calls": self.calls,
            "outbound_mails": self.outbound_mails,
            "parties": self.parties,
            "callbacks": self.callbacks,
            "representations": self.representations,
            "appointments": self.appointments,
        }


async def erase_free_text(
    session: AsyncSession, contacts: Sequence[Contact], tickets: Sequence[Ticket], citizen_id: int | None = None
) -> Erased:
    """Replace the free text of these contacts and tickets (and their calls, outgoing mail and call-back requests)
    by "[erased]" (the numbers to call back become null), and the personal data of their parties (and of parties
    naming `citizen_id` elsewhere).

    ORM updates, not bulk statements, so that each changed row is on the audit trail.
    """
    erased = Erased()
    for contact in contacts:
        contact.body = ERASED
        if contact.subject is not None:
            contact.subject = ERASED
        contact.channel_details = dict.fromkeys(contact.channel_details, ERASED)
        erased.contacts += 1
        for attachment in contact.attachments:
            attachment.content = None
            if attachment.filename is not None:
                attachment.filename = ERASED
            erased.attachments += 1
    for ticket in tickets:
        ticket.subject = ERASED
        erased.tickets += 1
    contact_ids = [contact.id for contact in contacts]
    for call in await repository.calls_of_contacts(session, contact_ids) if contact_ids else []:
        call.caller_number = None
        erased.calls += 1
    ticket_ids = [ticket.id for ticket in tickets]
    for mail in await repository.outbound_mails_of_tickets(session, ticket_ids) if ticket_ids else []:
        mail.to_address = ERASED
        mail.subject = ERASED
        mail.body = ERASED
        if mail.calendar is not None:  # an appointment's invitation names the place (a home address)
            mail.calendar = None
        erased.outbound_mails += 1
    for party in await repository.parties_of_contacts_or_citizen(session, contact_ids, citizen_id):
        erase_party(party)
        erased.parties += 1
    for callback in await callbacks_of_tickets(session, ticket_ids) if ticket_ids else []:
        callback.phone = None
        callback.question = ERASED
        if callback.postal_address is not None:
            callback.postal_address = ERASED
        for attempt in callback.attempt_rows:
            if attempt.note is not None:
                attempt.note = ERASED
        erased.callbacks += 1
    for appointment in await appointments_of_tickets(session, ticket_ids) if ticket_ids else []:
        erase_appointment(appointment)
        erased.appointments += 1
    await session.flush()
    return erased


def erase_party(party: ContactParty) -> None:
    """A party keeps its role and links (statistics, the record that someone acted on the citizen's behalf); a
    person loses name and organisation, everyone their e-mail and phone. An organisation's name is no personal
    data and stays."""
    if party.kind == PartyKind.person.value:
        party.name = ERASED
        if party.organisation_name is not None:
            party.organisation_name = ERASED
    party.email = None
    party.phone = None


async def erase_representations(session: AsyncSession, citizen_id: int) -> int:
    """Who acts for the citizen keeps its kind, scopes and period (the record that someone could act); a
    representative recorded by name loses it, and the court order's or consent form's number goes too."""
    _relations, representations = await household_rows(session, [citizen_id])
    erased = 0
    for representation in representations:
        if representation.citizen_id != citizen_id:
            continue  # where they act for someone else: that person's record (their own name was in the register)
        if representation.representative_name is None and representation.source_reference is None:
            continue
        if representation.representative_name is not None:
            representation.representative_name = ERASED
        if representation.source_reference is not None:
            representation.source_reference = ERASED
        erased += 1
    await session.flush()
    return erased


async def erase_citizen(session: AsyncSession, clock: Clock, citizen_id: int, reason: str) -> ErasureOut:
    """Pseudonymise a citizen and their free text, unless a legal hold applies."""
    citizen = await _citizen(session, citizen_id, lock=True)
    if citizen.legal_hold:
        raise LegalHoldSet(
            P_("Citizen {citizen_id} is under a legal hold; lift it before erasing their data."),
            params={"citizen_id": citizen_id},
            citizen_id=citizen_id,
        )
    cleared = [name for name in CITIZEN_FIELDS if getattr(citizen, name) is not None]
    for name in CITIZEN_FIELDS:
        setattr(citizen, name, None)
    # The same person's records merged into this one keep their e-mail and phone for lookups: erased with it.
    merged_records = await erase_merged_identities(session, citizen.id, CITIZEN_FIELDS)
    contacts = await repository.contacts_of_citizen(session, citizen.id)
    tickets = await repository.tickets_of_citizen(session, citizen.id)
    erased = await erase_free_text(session, contacts, tickets, citizen.id)
    erased.representations = await erase_representations(session, citizen.id)
    await audit_act(
        session,
        "erase",
        "citizen",
        str(citizen.id),
        reason,
        {"citizen_fields": cleared, "merged_citizen_ids": merged_records, **erased.as_dict()},
    )
    return ErasureOut(
        citizen_id=citizen.id, reason=reason, erased_at=clock.now(), citizen_fields=cleared, **erased.as_dict()
    )


async def set_legal_hold(session: AsyncSession, citizen_id: int, hold: bool, reason: str) -> LegalHoldOut:
    """Set or lift the legal hold that keeps erasure and retention away from a citizen's data."""
    citizen = await _citizen(session, citizen_id, lock=True)
    citizen.legal_hold = hold
    citizen.legal_hold_reason = reason if hold else None
    await session.flush()
    await audit_act(session, "legal_hold" if hold else "legal_hold_lifted", "citizen", str(citizen.id), reason, {})
    return LegalHoldOut(citizen_id=citizen.id, legal_hold=citizen.legal_hold, reason=citizen.legal_hold_reason)
