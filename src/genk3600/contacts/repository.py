from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from genk3600.auth.principal import Principal
from genk3600.kit.pagination import PageParams, keyset
from genk3600.models import Call, Contact
from genk3600.models.enums import Channel, ContactFlag
from genk3600.privacy.visibility import visible_contacts

_WITH_TICKET = (selectinload(Contact.ticket), selectinload(Contact.attachments))


async def contact_by_id(session: AsyncSession, contact_id: int, viewer: Principal | None = None) -> Contact | None:
    """The contact, if it exists and `viewer` (when given) may see it."""
    statement = select(Contact).options(*_WITH_TICKET).where(Contact.id == contact_id)
    if viewer is not None:
        statement = statement.where(visible_contacts(viewer))
    return await session.scalar(statement)


async def lock_external_id(session: AsyncSession, channel: Channel, external_id: str) -> None:
    """Serialise concurrent deliveries of one Message-ID / call until this transaction ends."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 3600))"),
        {"key": f"{channel}:{external_id}"},
    )


async def contact_by_external_id(session: AsyncSession, channel: Channel, external_id: str) -> Contact | None:
    return await session.scalar(
        select(Contact)
        .options(*_WITH_TICKET)
        .where(Contact.channel == channel.value, Contact.external_id == external_id)
    )


async def ticket_id_of_mail(session: AsyncSession, message_ids: Sequence[str]) -> int | None:
    """The ticket of the newest known mail among `message_ids` (In-Reply-To / References)."""
    return await session.scalar(
        select(Contact.ticket_id)
        .where(
            Contact.channel == Channel.mail.value,
            Contact.external_id.in_(message_ids),
            Contact.ticket_id.is_not(None),
        )
        .order_by(Contact.id.desc())
        .limit(1)
    )


async def list_contacts(
    session: AsyncSession, flag: ContactFlag | None, without_ticket: bool, params: PageParams, viewer: Principal
) -> Sequence[Contact]:
    statement = select(Contact).options(*_WITH_TICKET).where(visible_contacts(viewer))
    if flag is not None:
        statement = statement.where(Contact.flags.contains([flag.value]))
    if without_ticket:
        statement = statement.where(Contact.ticket_id.is_(None))
    return (await session.scalars(keyset(statement, Contact.id, params, newest_first=True))).all()


async def call_by_call_id(session: AsyncSession, call_id: str) -> Call | None:
    return await session.scalar(select(Call).where(Call.call_id == call_id))
