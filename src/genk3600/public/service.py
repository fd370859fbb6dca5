"""The citizen's view of a ticket, in plain language (DESIGN.md: klantentaal)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.answering.words import answer_role_sentence, answered_sentence
from genk3600.config import Settings
from genk3600.errors import NotFound
from genk3600.i18n import N_, P_, format_moment, translator
from genk3600.i18n.texts import localised_name
from genk3600.kit.clock import Clock
from genk3600.kit.reference import normalise_reference
from genk3600.models import Ticket, Unit
from genk3600.models.enums import (
    FINISHED_STATUSES,
    Channel,
    Confidentiality,
    Direction,
    Language,
    Role,
    TicketStatus,
    UnitKind,
)
from genk3600.public import repository
from genk3600.public.access import code_matches
from genk3600.public.repository import TicketFacts
from genk3600.public.schemas import PublicAnswer, PublicTicketStatus

FRONT_OFFICE = frozenset({UnitKind.contact_centre, UnitKind.reception, UnitKind.quick_desk, UnitKind.thematic_desk})

# The only thing a social-welfare ticket tells anyone who holds its code: one sentence, true to the citizen
# (a citizen without an OCMW case worker is not told that "your case worker" has it).
SOCIAL_SENTENCE = N_("Your case worker is handling your question.")
SOCIAL_SENTENCE_NO_CASE_WORKER = N_("The social service of the OCMW is handling your question.")

# Channels where the citizen wrote the ticket's subject themselves (a mail's subject, a web form's title).
# On every other channel (phone, counter, home visit, appointment) and on outbound contacts the subject is
# staff's words — for a phone ticket the start of the agent's internal summary — and never shown to the
# citizen: the page names the question's category in the citizen's language instead, or says nothing more.
CITIZEN_WORDS_CHANNELS = frozenset({Channel.mail, Channel.web})

STATUS_TEXTS = {
    TicketStatus.new: N_("We received your question. A staff member will look at it soon."),
    TicketStatus.assigned: N_("A staff member has your question."),
    TicketStatus.in_progress: N_("A staff member is working on your question."),
    TicketStatus.waiting_on_citizen: N_("We are waiting for information from you."),
    TicketStatus.resolved: N_("Your question has been dealt with."),
    TicketStatus.closed: N_("Your question has been dealt with and closed."),
}

# The status names a person's question: no browser or proxy may keep it, and the texts depend on the language.
CACHING_HEADERS = {"Cache-Control": "no-store", "Vary": "Accept-Language"}

PublicRole = Literal["deciding", "advising", "front_office", "handling"]


class PublicTicketNotFound(NotFound):
    """Unknown reference and wrong code answer exactly alike, so the page cannot tell which tickets exist."""

    slug = "public-ticket-not-found"

    def __init__(self, language: Language) -> None:
        message = translator(language).gettext(
            "We cannot find a question with this number and code. Check both and try again."
        )
        super().__init__(P_("No ticket matches this reference and access code."), message=message)

    def headers(self) -> dict[str, str]:
        return dict(CACHING_HEADERS)


def public_role(unit_kind: str, *, unit_decides: bool, requested_role: str | None) -> PublicRole:
    """In which role the owning unit acts, as the citizen is told.

    The rule, first match wins:
    1. the latest hand-off to the unit (returns to the front office not counted) asked for `advising`
       → it advises, another unit decides; the explicit request is more specific than standing authority;
    2. that hand-off asked for `deciding`, or the unit holds decision authority for the ticket's category
       (`category_decider`) → it decides;
    3. a front-office unit (contact centre, reception, quick desk, thematic desk) → it registers and informs;
    4. otherwise → it handles the request.
    """
    if requested_role == Role.advising:
        return "advising"
    if requested_role == Role.deciding or unit_decides:
        return "deciding"
    if unit_kind in FRONT_OFFICE:
        return "front_office"
    return "handling"


# Worded once per unit, role and language: an acknowledgement's texts are a hot path's CPU (#16).
@lru_cache(maxsize=1024)
def role_sentence(
    language: Language | str,
    unit_name: str,
    unit_kind: str,
    *,
    unit_decides: bool,
    requested_role: str | None,
    social: bool = False,
) -> str:
    """The sentence that says who has the ticket and in which role (see `public_role` for the rule)."""
    t = translator(language)
    if social:
        return t.gettext(SOCIAL_SENTENCE)
    role = public_role(unit_kind, unit_decides=unit_decides, requested_role=requested_role)
    if role == "deciding":
        return t.gettext("The {unit} department decides on your request.").format(unit=unit_name)
    if role == "advising":
        return t.gettext(
            "The {unit} department gives advice on your request. Another department decides after that."
        ).format(unit=unit_name)
    if role == "front_office":
        if unit_kind == UnitKind.contact_centre:
            return t.gettext("The contact centre registers your question and gives you information.")
        return t.gettext("Our desk registers your question and gives you information.")
    return t.gettext("The {unit} department is handling your request.").format(unit=unit_name)


def registered_sentence(language: Language, subject: str | None, category: str | None) -> str:
    """What we registered: the citizen's own `subject` if they wrote it, else the category's name, else nothing more.

    `subject` is None when staff wrote it (see CITIZEN_WORDS_CHANNELS); `category` is its name in `language`.
    """
    t = translator(language)
    # A closing full stop would clash with the quotes.
    quoted = subject.strip().rstrip(".").strip() if subject is not None else ""
    if quoted:
        return t.gettext("We registered your question: “{subject}”.").format(subject=quoted)
    if category:
        return t.gettext("We registered your question. Subject: {category}.").format(category=category)
    return t.gettext("We registered your question.")


def subject_is_citizens(first_contact: tuple[str, str] | None) -> bool:
    """Whether the ticket's subject is the citizen's own words: its first contact was their mail or web form."""
    if first_contact is None:
        return False
    channel, direction = first_contact
    return channel in CITIZEN_WORDS_CHANNELS and direction == Direction.inbound


def _your_part(language: Language, status: TicketStatus) -> str:
    t = translator(language)
    if status is TicketStatus.waiting_on_citizen:
        return t.gettext("We are waiting for information from you. Read our last message and send us what we ask for.")
    if status in FINISHED_STATUSES:
        return t.gettext("You do not need to do anything more.")
    return t.gettext("You do not need to do anything now.")


def _expected_answer(
    language: Language, settings: Settings, ticket: Ticket, status: TicketStatus, now: datetime
) -> str:
    t = translator(language)
    if status in FINISHED_STATUSES:
        moment = format_moment(ticket.resolved_at or ticket.updated_at, language, settings.zone)
        return t.gettext("We dealt with your question on {moment}.").format(moment=moment)
    if status is TicketStatus.waiting_on_citizen or ticket.paused_at is not None:
        return t.gettext("As soon as we have your information, we will continue to work on your question.")
    due = ticket.resolution_due_at
    if due is None:
        return t.gettext("We will answer you as soon as possible.")
    if due < now:
        return t.gettext("Our answer is late. We are sorry. We will answer you as soon as possible.")
    moment = format_moment(due, language, settings.zone)
    return t.gettext("You will get an answer by {moment} at the latest.").format(moment=moment)


def social_sentence(language: Language | str, *, has_case_worker: bool) -> str:
    """The one sentence a social-welfare ticket says, true to whether the citizen has a case worker."""
    return translator(language).gettext(SOCIAL_SENTENCE if has_case_worker else SOCIAL_SENTENCE_NO_CASE_WORKER)


def _social_status(ticket: Ticket, language: Language, *, has_case_worker: bool) -> PublicTicketStatus:
    # Said once, as the status; the other texts stay empty rather than repeating it (or telling more).
    return PublicTicketStatus(
        language=language,
        reference=ticket.reference,
        status_text=social_sentence(language, has_case_worker=has_case_worker),
        registered=None,
        handled_by=None,
        role=None,
        staff_name=None,
        your_part=None,
        expected_answer=None,
        updated_at=None,
    )


async def status_of(
    session: AsyncSession,
    settings: Settings,
    ticket: Ticket,
    language: Language,
    now: datetime,
    *,
    handed_over: bool = True,
    first_contact: tuple[str, str] | None = None,
    owner: Unit | None = None,
) -> PublicTicketStatus:
    """The plain-language status of a ticket loaded with its owning unit (or given it as `owner`); the caller has
    checked the code.

    `handed_over=False` says the ticket is being created in this transaction, so no hand-off can exist yet;
    its caller then knows the ticket's first contact (channel, direction), the one it just wrote, and gives the
    owning unit (a new ticket has it by id, the row is the reference cache's).
    """
    if ticket.confidentiality == Confidentiality.social:
        has_case_worker = await repository.citizen_has_case_worker(session, ticket.citizen_id)
        return _social_status(ticket, language, has_case_worker=has_case_worker)
    # A ticket created in this transaction has no answer yet, and its creator knows its first contact.
    facts = TicketFacts(first_contact, None) if first_contact is not None else None
    if facts is None:
        facts = await repository.ticket_facts(session, ticket.id)
    citizen_wrote_subject = subject_is_citizens(facts.first_contact)
    category = None
    if not citizen_wrote_subject and ticket.category_id is not None:
        category = await repository.category_name(session, ticket.category_id, language)
    unit = owner if owner is not None else ticket.owning_unit
    escalation = await repository.latest_escalation_to(session, ticket.id, unit.id) if handed_over else None
    decides = await repository.unit_decides(session, ticket.category_id, unit.id)
    status = TicketStatus(ticket.status)
    staff_name = None
    if settings.public_show_staff_names and ticket.assignee_staff_id is not None:
        staff_name = await repository.staff_name(session, ticket.assignee_staff_id)
    return PublicTicketStatus(
        language=language,
        reference=ticket.reference,
        latest_answer=answer_for_citizen(facts.latest_answer, settings, language),
        status_text=translator(language).gettext(STATUS_TEXTS[status]),
        registered=registered_sentence(language, ticket.subject if citizen_wrote_subject else None, category),
        handled_by=unit.name,
        role=role_sentence(
            language,
            unit.name,
            unit.kind,
            unit_decides=decides,
            requested_role=escalation.requested_role if escalation else None,
        ),
        staff_name=staff_name,
        your_part=_your_part(language, status),
        expected_answer=_expected_answer(language, settings, ticket, status, now),
        updated_at=ticket.updated_at,
    )


def answer_for_citizen(
    answer: repository.LatestAnswer | None, settings: Settings, language: Language
) -> PublicAnswer | None:
    """Our newest answer on a (normal) ticket: its words, its role and how and when it was given."""
    if answer is None:
        return None
    unit_name = localised_name(answer.unit_name, answer.unit_names, language)
    return PublicAnswer(
        text=answer.body,
        role=answer_role_sentence(Role(answer.role), unit_name, language),
        given=answered_sentence(answer.medium, answer.created_at, language, settings.zone),
    )


async def public_status(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    reference: str,
    code: str,
    language: Language | None = None,
) -> PublicTicketStatus:
    """The status page of the ticket behind `reference` and `code`, in `language` or else the ticket's own."""
    ticket = await repository.ticket_by_reference(session, normalise_reference(reference))
    # The code is checked even when there is no ticket, so both misses cost one HMAC and look the same.
    matches = code_matches(settings.secret, code, ticket.access_code_hash if ticket else None)
    if ticket is None or not matches:
        raise PublicTicketNotFound(language or Language.nl)
    return await status_of(session, settings, ticket, language or Language(ticket.language), clock.now())
