"""Answers to the citizen from the ticket, and the canned answers they are written from.

An answer is an outbound contact on the ticket with the role its author played (participation/), so deciding
needs decision authority exactly as recording a deciding role does; it is checked before anything is written.
By mail it goes through the outbound queue and the lease-based sender (notifications/), threaded with the
citizen's own mail (In-Reply-To, References, the reference in the subject), so their answer to it threads back
onto the ticket through the ordinary mail intake. It always says the role in words, in the citizen's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.answering import placeholders, quoting, repository
from genk3600.answering.errors import (
    NoMailAddress,
    RecipientNotOnTicket,
    TemplateNameTaken,
    TemplateNotFound,
    UnknownTemplate,
)
from genk3600.answering.recipient import Recipient, reply_recipient
from genk3600.answering.schemas import (
    RecipientOut,
    ReplyIn,
    ReplyMailOut,
    ReplyOut,
    ReplyPreview,
    ReplyTemplateHistory,
    ReplyTemplateIn,
    ReplyTemplateList,
    ReplyTemplateOut,
    ReplyTemplateVersionOut,
    TemplateRef,
)
from genk3600.answering.words import GREETING, NAMELESS, SUBJECT, answer_role_sentence
from genk3600.audit.trail import audit_read
from genk3600.auth.principal import Principal
from genk3600.categories.errors import UnknownCategory
from genk3600.config import Settings
from genk3600.i18n import translator
from genk3600.i18n.catalogue import P_
from genk3600.i18n.texts import Message, localised_name
from genk3600.kit.clock import Clock
from genk3600.kit.preconditions import check_if_match
from genk3600.models import Contact, OutboundMail, Reply, ReplyTemplate, ReplyTemplateVersion, Ticket
from genk3600.models.enums import Channel, Direction, Language, ReplyMedium, TicketEventType
from genk3600.notifications.sender import new_message_id
from genk3600.participation.repository import Seat
from genk3600.participation.schemas import ParticipationIn
from genk3600.participation.service import record_participation, seat_for_role
from genk3600.products import repository as products_repository
from genk3600.products.schemas import ProductOut
from genk3600.products.service import products_out
from genk3600.sla import deadlines
from genk3600.tickets import repository as tickets
from genk3600.tickets import timeline
from genk3600.tickets.errors import TicketNotFound

PURPOSE = "reply"
# References keeps the thread's root and its newest ids (RFC 5322 §3.6.4 allows trimming the middle).
MAX_REFERENCES = 20

CHANNELS = {ReplyMedium.mail: Channel.mail, ReplyMedium.letter: Channel.letter, ReplyMedium.phone: Channel.phone}


@dataclass(frozen=True)
class _Prepared:
    """Everything an answer says and who it is from, decided before anything is written."""

    ticket: Ticket
    staff_id: int
    seat: Seat
    recipient: Recipient
    template: ReplyTemplate | None
    preview: ReplyPreview


async def _ticket(session: AsyncSession, reference: str, viewer: Principal) -> Ticket:
    ticket = await tickets.ticket_by_reference(session, reference, viewer)
    if ticket is None:  # out of the viewer's sight answers exactly like a ticket that does not exist
        raise TicketNotFound(reference)
    return ticket


async def _recipient(session: AsyncSession, ticket: Ticket, data: ReplyIn) -> Recipient:
    recipient = await reply_recipient(session, ticket)
    if data.to_address is not None:
        chosen = str(data.to_address).lower()
        known = set(await repository.mail_addresses_of_ticket(session, ticket.id))
        citizen = await repository.citizen_by_id(session, ticket.citizen_id) if ticket.citizen_id else None
        if citizen is not None and citizen.email:
            known.add(citizen.email.lower())
        usual = recipient.email.lower() if recipient.email else None
        if chosen != usual and chosen not in known:
            raise RecipientNotOnTicket()
        recipient = Recipient(recipient.name if chosen == usual else None, chosen, recipient.language)
    if data.medium is ReplyMedium.mail and not recipient.email:
        raise NoMailAddress()
    return recipient


async def _template(session: AsyncSession, ticket: Ticket, template_id: int | None) -> ReplyTemplate | None:
    if template_id is None:
        return None
    template = await repository.template_by_id(session, template_id)
    if template is None or not template.active or template.category_id not in (None, ticket.category_id):
        raise UnknownTemplate(template_id)
    return template


async def _quoted_product(session: AsyncSession, ticket: Ticket, language: Language) -> ProductOut | None:
    """The catalogue entry a canned answer quotes (see quoting.py for which one), read in `language`."""
    if ticket.category_id is None:
        return None
    entries = await products_repository.products_of_categories(session, [ticket.category_id])
    shown = await products_out(session, entries[:1], language)
    return shown[0] if shown else None


async def _prepare(
    session: AsyncSession, settings: Settings, actor: Principal, reference: str, data: ReplyIn
) -> _Prepared:
    ticket = await _ticket(session, reference, actor)
    staff, seat = await seat_for_role(session, actor, ticket, _participation(data))
    recipient = await _recipient(session, ticket, data)
    template = await _template(session, ticket, data.template_id)
    language = recipient.language
    t = translator(language)
    unit = await repository.unit_by_id(session, seat.unit.id)
    unit_name = localised_name(seat.unit.name, unit.names if unit else None, language)
    if data.text is not None or template is None:  # ReplyIn holds text, a template, or both
        text = data.text or ""
    else:
        written = template.texts[language.value]
        wanted = placeholders.used(written, language.value)
        category = await repository.category_of(session, ticket.category_id) if ticket.category_id else None
        values = {
            "reference": ticket.reference,
            "citizen_name": recipient.name or t.gettext(NAMELESS),
            "unit_name": unit_name,
            "category_name": localised_name(category.name, category.names, language) if category else "",
        }
        if wanted & set(placeholders.CATALOGUE):
            product = await _quoted_product(session, ticket, language)
            values |= quoting.catalogue_values(product, wanted, language)
        text = placeholders.fill(written, language.value, values)
    said = answer_role_sentence(data.role, unit_name, language)
    subject = t.gettext(SUBJECT).format(reference=ticket.reference) if data.medium is ReplyMedium.mail else None
    lines = [
        t.gettext(GREETING).format(name=recipient.name) if recipient.name else t.gettext("Hello,"),
        "",
        text,
        "",
        said,
        "",
        t.gettext("Your reference number is {reference}.").format(reference=ticket.reference),
    ]
    if data.medium is ReplyMedium.mail:
        lines.append(t.gettext("You can reply to this e-mail. We add your reply to your question."))
    lines += ["", t.gettext("Kind regards,")]
    if settings.public_show_staff_names:
        lines.append(staff.full_name)
    lines += [unit_name, t.gettext("City of Genk")]
    preview = ReplyPreview(
        ticket=ticket.reference,
        medium=data.medium,
        role=data.role,
        recipient=RecipientOut(name=recipient.name, email=recipient.email, language=language),
        subject=subject,
        text=text,
        role_sentence=said,
        message="\n".join(lines),
        template=TemplateRef(id=template.id, version=template.version) if template else None,
    )
    return _Prepared(ticket, staff.id, seat, recipient, template, preview)


def _participation(data: ReplyIn) -> ParticipationIn:
    return ParticipationIn(role=data.role, note=data.note, staff_id=data.staff_id)


async def preview_reply(
    session: AsyncSession, settings: Settings, actor: Principal, reference: str, data: ReplyIn
) -> ReplyPreview:
    """The answer as the citizen would read it, with every check a real answer gets; writes nothing."""
    prepared = await _prepare(session, settings, actor, reference, data)
    await audit_read(session, actor, "ticket", str(prepared.ticket.id), prepared.ticket.confidentiality)
    return prepared.preview


async def _thread(session: AsyncSession, ticket_id: int, address: str) -> tuple[str | None, list[str]]:
    """In-Reply-To and References for our answer: the citizen's newest mail, else our newest mail to them."""
    answered = await repository.latest_mail_from(session, ticket_id, address)
    answered = answered or await repository.latest_mail_to(session, ticket_id, address)
    if answered is None:
        return None, []
    thread = [ref for ref in answered.references if ref != answered.message_id] + [answered.message_id]
    if len(thread) > MAX_REFERENCES:
        thread = [thread[0], *thread[-(MAX_REFERENCES - 1) :]]
    return answered.message_id, thread


async def send_reply(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, reference: str, data: ReplyIn
) -> ReplyOut:
    """Answer the citizen: the outbound contact with its role, the mail queued (for `mail`), the timeline entry."""
    prepared = await _prepare(session, settings, actor, reference, data)
    preview = prepared.preview
    ticket = await tickets.lock_ticket(session, prepared.ticket.id) or prepared.ticket
    now = clock.now()
    language = prepared.recipient.language
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = []
    details: dict[str, object] = {}
    if data.medium is ReplyMedium.mail:
        address = prepared.recipient.email or ""
        in_reply_to, references = await _thread(session, ticket.id, address)
        message_id = new_message_id(settings.mail_domain)
        details = {"to": address, "message_id": message_id, "in_reply_to": in_reply_to, "references": references}
    contact = Contact(
        ticket_id=ticket.id,
        citizen_id=ticket.citizen_id,
        channel=CHANNELS[data.medium].value,
        direction=Direction.outbound.value,
        language=language.value,
        subject=preview.subject,
        # The answer as the citizen reads it (the status page shows it); the greeting and signature are the mail's.
        body=preview.text,
        channel_details=details,
        # Our Message-ID: a reply quoting it threads back like a reply to any mail on the ticket.
        external_id=message_id,
        occurred_at=now,
        created_at=now,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
    )
    session.add(contact)
    await session.flush()
    await record_participation(session, actor, contact, _participation(data))
    mail: OutboundMail | None = None
    if message_id is not None and preview.subject is not None:
        mail = OutboundMail(
            ticket_id=ticket.id,
            purpose=PURPOSE,
            to_address=prepared.recipient.email,
            language=language.value,
            subject=preview.subject,
            body=preview.message,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            next_attempt_at=now,  # due at once by the app's clock, not the database's
        )
        session.add(mail)
        await session.flush()
    template = prepared.template
    reply = Reply(
        ticket_id=ticket.id,
        contact_id=contact.id,
        medium=data.medium.value,
        role=data.role.value,
        language=language.value,
        unit_id=prepared.seat.unit.id,
        staff_id=prepared.staff_id,
        template_id=template.id if template else None,
        template_version=template.version if template else None,
        outbound_mail_id=mail.id if mail else None,
        created_at=now,
    )
    session.add(reply)
    await deadlines.record_first_response(session, ticket, now)
    await session.flush()
    await timeline.record_event(
        session,
        ticket,
        actor,
        TicketEventType.replied,
        Message(f"reply.{data.medium.value}", {"role": data.role.value}),
        {
            "contact_id": contact.id,
            "reply_id": reply.id,
            "medium": data.medium.value,
            "role": data.role.value,
            "language": language.value,
            "unit": prepared.seat.unit.code,
            "template_id": reply.template_id,
            "outbound_mail_id": reply.outbound_mail_id,
        },
    )
    return ReplyOut(
        **preview.model_dump(),
        id=reply.id,
        contact_id=contact.id,
        staff_id=prepared.staff_id,
        unit=prepared.seat.unit.code,
        mail=ReplyMailOut(message_id=message_id, in_reply_to=in_reply_to, status="pending") if message_id else None,
        created_at=now,
    )


# --- templates ------------------------------------------------------------------------------------------


async def _template_out(session: AsyncSession, templates: list[ReplyTemplate]) -> list[ReplyTemplateOut]:
    codes = await repository.category_codes(session, {t.category_id for t in templates if t.category_id is not None})
    return [
        ReplyTemplateOut(
            id=template.id,
            name=template.name,
            category=codes.get(template.category_id) if template.category_id is not None else None,
            texts={Language(language): text for language, text in template.texts.items()},
            active=template.active,
            version=template.version,
            created_at=template.created_at,
            updated_at=template.updated_at,
        )
        for template in templates
    ]


async def _category_id(session: AsyncSession, code: str | None) -> int | None:
    if code is None:
        return None
    category = await repository.category_by_code(session, code)
    if category is None or not category.active:
        raise UnknownCategory(code)
    return category.id


def _checked_texts(data: ReplyTemplateIn) -> dict[str, str]:
    texts = data.texts.model_dump()
    for language, text in texts.items():
        placeholders.check(text, language)
    return texts


def _version_row(template: ReplyTemplate, actor: Principal) -> ReplyTemplateVersion:
    return ReplyTemplateVersion(
        template_id=template.id,
        version=template.version,
        name=template.name,
        category_id=template.category_id,
        texts=dict(template.texts),
        active=template.active,
        actor_staff_id=actor.staff_id,
        actor_api_client_id=actor.api_client_id,
        actor_name=actor.display_name,
    )


async def create_template(session: AsyncSession, actor: Principal, data: ReplyTemplateIn) -> ReplyTemplateOut:
    """A new canned answer (version 1); its placeholders are checked in every language."""
    texts = _checked_texts(data)
    category_id = await _category_id(session, data.category)
    if await repository.template_by_name(session, data.name) is not None:
        raise TemplateNameTaken(data.name)
    template = ReplyTemplate(name=data.name, category_id=category_id, texts=texts, active=data.active, version=1)
    session.add(template)
    await session.flush()
    session.add(_version_row(template, actor))
    await session.flush()
    await session.refresh(template)
    return (await _template_out(session, [template]))[0]


async def change_template(
    session: AsyncSession, actor: Principal, template_id: int, if_match: str | None, data: ReplyTemplateIn
) -> ReplyTemplateOut:
    """Replace a template's name, category, texts and state: a new version; the old one stays in its history."""
    template = await repository.template_by_id(session, template_id, lock=True)
    if template is None:
        raise TemplateNotFound(template_id)
    check_if_match(
        template.version,
        if_match,
        P_("Send If-Match with the ETag from your last read of this template."),
        P_("The template changed since you read it (now version {version}); read it again and retry."),
    )
    texts = _checked_texts(data)
    category_id = await _category_id(session, data.category)
    same_name = await repository.template_by_name(session, data.name)
    if same_name is not None and same_name.id != template.id:
        raise TemplateNameTaken(data.name)
    template.name = data.name
    template.category_id = category_id
    template.texts = texts
    template.active = data.active
    template.version += 1
    await session.flush()
    session.add(_version_row(template, actor))
    await session.flush()
    await session.refresh(template)
    return (await _template_out(session, [template]))[0]


async def get_template(session: AsyncSession, template_id: int) -> ReplyTemplateOut:
    """One template by id."""
    template = await repository.template_by_id(session, template_id)
    if template is None:
        raise TemplateNotFound(template_id)
    return (await _template_out(session, [template]))[0]


async def list_templates(session: AsyncSession, category: str | None, active_only: bool) -> ReplyTemplateList:
    """Templates by name; with a category, those offered on its tickets (its own and the general ones)."""
    category_id: int | None = None
    if category is not None:
        found = await repository.category_by_code(session, category)
        if found is None:
            raise UnknownCategory(category)
        category_id = found.id
    rows = await repository.list_templates(
        session, category_id, for_category=category is not None, active_only=active_only
    )
    return ReplyTemplateList(items=await _template_out(session, list(rows)))


async def template_history(session: AsyncSession, template_id: int) -> ReplyTemplateHistory:
    """Every saved version of a template, oldest first, with who saved it."""
    if await repository.template_by_id(session, template_id) is None:
        raise TemplateNotFound(template_id)
    versions = await repository.template_versions(session, template_id)
    codes = await repository.category_codes(session, {v.category_id for v in versions if v.category_id is not None})
    return ReplyTemplateHistory(
        items=[
            ReplyTemplateVersionOut(
                version=version.version,
                name=version.name,
                category=codes.get(version.category_id) if version.category_id is not None else None,
                texts={Language(language): text for language, text in version.texts.items()},
                active=version.active,
                saved_by=version.actor_name,
                saved_at=version.created_at,
            )
            for version in versions
        ]
    )
