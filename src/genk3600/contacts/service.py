"""Recording a contact: match the citizen, open its ticket, write the timeline, all in one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.categories.service import active_category
from genk3600.citizens.service import match_or_register
from genk3600.config import Settings
from genk3600.contacts import repository
from genk3600.contacts.errors import ContactNotFound, NoOwnerForContact
from genk3600.contacts.schemas import ContactOut, ContactRecorded, PhoneContactIn, WebContactIn
from genk3600.kit.clock import utcnow
from genk3600.models import Category, Contact, Unit
from genk3600.models.enums import Language, TicketEventType, UnitKind
from genk3600.tickets import service as tickets
from genk3600.units.repository import first_unit_of_kind

SUBJECT_FROM_TEXT = 120


async def record_contact(
    session: AsyncSession, settings: Settings, actor: Principal, data: WebContactIn | PhoneContactIn
) -> ContactRecorded:
    """Record one contact and open the ticket it is about."""
    category = await active_category(session, data.category) if data.category else None
    citizen = await match_or_register(session, settings.secret, data.citizen) if data.citizen else None
    owner = await _owning_unit(session, category)
    language = data.language or (Language(citizen.preferred_language) if citizen else Language.nl)
    subject = data.subject or _subject_from(data.text)
    ticket = await tickets.open_ticket(
        session,
        settings,
        tickets.NewTicket(
            subject=subject, language=language, owning_unit=owner, category=category, citizen=citizen
        ),
    )
    contact = Contact(
        ticket_id=ticket.id,
        citizen_id=citizen.id if citizen else None,
        channel=data.channel,
        direction=data.direction.value,
        language=language.value,
        subject=data.subject,
        body=data.text,
        channel_details=data.channel_details(),
        occurred_at=data.occurred_at or utcnow(),
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
    )
    session.add(contact)
    await session.flush()
    because = f"category {category.code}" if category else "no category given: front office"
    await tickets.record_event(
        session,
        ticket,
        actor,
        TicketEventType.created,
        f"Ticket created from a {data.channel} contact; owned by {owner.name} ({because}).",
        {
            "contact_id": contact.id,
            "channel": data.channel,
            "owning_unit": owner.code,
            "category": category.code if category else None,
            "priority": ticket.priority,
        },
    )
    return ContactRecorded(
        contact=ContactOut.of(contact, ticket.reference), ticket=await tickets.ticket_out(session, ticket.id)
    )


async def get_contact(session: AsyncSession, contact_id: int) -> ContactOut:
    """One contact by id."""
    contact = await repository.contact_by_id(session, contact_id)
    if contact is None:
        raise ContactNotFound(contact_id)
    return ContactOut.of(contact, contact.ticket.reference)


async def _owning_unit(session: AsyncSession, category: Category | None) -> Unit:
    """The category's owner; without a category the contact centre keeps it (first-contact resolution)."""
    if category is not None:
        return category.owning_unit
    unit = await first_unit_of_kind(session, UnitKind.contact_centre)
    if unit is None:
        raise NoOwnerForContact(
            "The contact has no category and no contact-centre unit is configured to own it; "
            "give a category or create a unit of kind 'contact_centre'."
        )
    return unit


def _subject_from(text: str) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else "Contact"
    return first_line if len(first_line) <= SUBJECT_FROM_TEXT else first_line[: SUBJECT_FROM_TEXT - 1] + "…"
