"""Who an answer goes to: the one place that chooses (issue #19, "replies go to the right party").

The party the citizen chose as correspondent (a representative: the daughter, a bewindvoerder; see parties/),
else the ticket's citizen, at their e-mail address, in their language. Every answer, its preview and its mail
ask this function, so the choice is made in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.answering import repository
from genk3600.models import Ticket
from genk3600.models.enums import Language
from genk3600.parties.service import correspondent_for_ticket


@dataclass(frozen=True)
class Recipient:
    name: str | None  # as the greeting names them; None: unknown (an anonymous citizen)
    email: str | None  # None: nobody on the ticket has an address, so only a letter or a call can answer
    language: Language


async def reply_recipient(session: AsyncSession, ticket: Ticket) -> Recipient:
    """The person an answer on `ticket` goes to: the correspondent the citizen chose (also when they have no
    e-mail address: then the answer is a letter or a call to them, not a mail behind their back), else its
    citizen (their address and language), else the ticket's language and no address."""
    correspondent = await correspondent_for_ticket(session, ticket.id)
    if correspondent is not None:
        return Recipient(correspondent.name, correspondent.email, correspondent.language)
    citizen = await repository.citizen_by_id(session, ticket.citizen_id) if ticket.citizen_id is not None else None
    if citizen is None:
        return Recipient(None, None, Language(ticket.language))
    name = " ".join(part for part in (citizen.given_name, citizen.family_name) if part) or None
    return Recipient(name, citizen.email, Language(citizen.preferred_language))
