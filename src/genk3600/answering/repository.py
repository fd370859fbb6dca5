"""Queries of answering/: the ticket's mail thread and addresses, templates, and the latest answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.models import Category, Citizen, Contact, OutboundMail, ReplyTemplate, ReplyTemplateVersion, Staff, Unit
from genk3600.models.enums import Channel, ContactFlag, Direction


@dataclass(frozen=True)
class MailInThread:
    """A message of the conversation with the citizen that our answer replies to."""

    message_id: str
    references: tuple[str, ...]  # its own thread, oldest first, without <>


async def citizen_by_id(session: AsyncSession, citizen_id: int) -> Citizen | None:
    return await session.get(Citizen, citizen_id)


async def category_of(session: AsyncSession, category_id: int) -> Category | None:
    return await session.get(Category, category_id)


async def unit_by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


def _citizens_mail(ticket_id: int) -> Any:
    """Inbound mail of the ticket that a person wrote (auto-replies and bounces left out)."""
    return select(Contact).where(
        Contact.ticket_id == ticket_id,
        Contact.channel == Channel.mail.value,
        Contact.direction == Direction.inbound.value,
        ~Contact.flags.contains([ContactFlag.automated.value]),
    )


async def mail_addresses_of_ticket(session: AsyncSession, ticket_id: int) -> set[str]:
    """Every address the ticket's mail contacts came from (their From and Reply-To), lower-cased."""
    rows = (
        await session.execute(
            _citizens_mail(ticket_id)
            .with_only_columns(Contact.channel_details["from"].astext, Contact.channel_details["reply_to"].astext)
            .order_by(None)
        )
    ).all()
    return {address.lower() for row in rows for address in row if address}


async def latest_mail_from(session: AsyncSession, ticket_id: int, address: str) -> MailInThread | None:
    """The newest mail on the ticket from `address` (From or Reply-To), else the newest mail on it at all."""
    sender = func.lower(Contact.channel_details["from"].astext)
    reply_to = func.lower(Contact.channel_details["reply_to"].astext)
    from_them = or_(sender == address.lower(), reply_to == address.lower())
    contact = await session.scalar(
        _citizens_mail(ticket_id)
        .where(Contact.external_id.is_not(None))
        .order_by(from_them.desc(), Contact.occurred_at.desc(), Contact.id.desc())
        .limit(1)
    )
    if contact is None or contact.external_id is None:
        return None
    references = contact.channel_details.get("references") or []
    return MailInThread(contact.external_id, tuple(str(ref) for ref in references if isinstance(ref, str)))


async def latest_mail_to(session: AsyncSession, ticket_id: int, address: str) -> MailInThread | None:
    """Our newest message about the ticket to `address` (an acknowledgement, an earlier answer)."""
    mail = await session.scalar(
        select(OutboundMail)
        .where(OutboundMail.ticket_id == ticket_id, func.lower(OutboundMail.to_address) == address.lower())
        .order_by(OutboundMail.id.desc())
        .limit(1)
    )
    if mail is None:
        return None
    return MailInThread(mail.message_id, tuple(mail.references))


async def staff_name(session: AsyncSession, staff_id: int) -> str | None:
    return await session.scalar(select(Staff.full_name).where(Staff.id == staff_id))


# --- templates ----------------------------------------------------------------------------------------


async def template_by_id(session: AsyncSession, template_id: int, *, lock: bool = False) -> ReplyTemplate | None:
    statement = select(ReplyTemplate).where(ReplyTemplate.id == template_id)
    if lock:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def template_by_name(session: AsyncSession, name: str) -> ReplyTemplate | None:
    return await session.scalar(select(ReplyTemplate).where(func.lower(ReplyTemplate.name) == name.lower()))


async def list_templates(
    session: AsyncSession, category_id: int | None, *, for_category: bool, active_only: bool
) -> Sequence[ReplyTemplate]:
    """Templates by name; `for_category`: those of `category_id` and those for every category."""
    statement = select(ReplyTemplate).order_by(ReplyTemplate.name, ReplyTemplate.id)
    if for_category:
        statement = statement.where(or_(ReplyTemplate.category_id.is_(None), ReplyTemplate.category_id == category_id))
    if active_only:
        statement = statement.where(ReplyTemplate.active.is_(True))
    return (await session.scalars(statement)).all()


async def category_codes(session: AsyncSession, category_ids: set[int]) -> dict[int, str]:
    if not category_ids:
        return {}
    rows = (await session.execute(select(Category.id, Category.code).where(Category.id.in_(category_ids)))).all()
    return {row.id: row.code for row in rows}


async def category_by_code(session: AsyncSession, code: str) -> Category | None:
    return await session.scalar(select(Category).where(Category.code == code))


async def template_versions(session: AsyncSession, template_id: int) -> Sequence[ReplyTemplateVersion]:
    statement = (
        select(ReplyTemplateVersion)
        .where(ReplyTemplateVersion.template_id == template_id)
        .order_by(ReplyTemplateVersion.version)
    )
    return (await session.scalars(statement)).all()
