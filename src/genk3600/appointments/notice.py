"""The mails a citizen gets about an appointment: confirmation, move, cancellation and the reminder the day
before, in the appointment's language (klantentaal, from the catalogues), each with the appointment as an
iCalendar invitation. Queued in the business transaction; the outbound mail job sends them after commit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.appointments.ics import CalendarEvent, invitation
from genk3600.config import Settings
from genk3600.i18n import translator
from genk3600.i18n.catalogue import format_moment
from genk3600.i18n.texts import localised_name
from genk3600.models import Appointment, OutboundMail
from genk3600.models.enums import AppointmentStatus, Language
from genk3600.notifications.sender import new_message_id


class Notice(StrEnum):
    booked = "appointment_booked"
    moved = "appointment_moved"
    cancelled = "appointment_cancelled"
    reminder = "appointment_reminder"


def where(appointment: Appointment, language: Language) -> str:
    """Where the citizen meets us: their home for a visit, else the desk or the unit."""
    if appointment.home_visit and appointment.address:
        return appointment.address
    place = appointment.desk or appointment.unit
    return localised_name(place.name, place.names, language)


def citizen_event(appointment: Appointment, language: Language) -> CalendarEvent:
    """The appointment as the citizen's calendar shows it: the kind, our reference, the place."""
    t = translator(language)
    kind = localised_name(appointment.kind.name, appointment.kind.names, language)
    reference = appointment.ticket.reference
    return CalendarEvent(
        uid=appointment.uid,
        sequence=appointment.sequence,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=f"{kind} [{reference}]",
        description=t.gettext("Your appointment with the City of Genk about your question {reference}.").format(
            reference=reference
        ),
        location=where(appointment, language),
        cancelled=appointment.status == AppointmentStatus.cancelled.value,
    )


def _texts(notice: Notice, language: Language) -> tuple[str, str]:
    t = translator(language)
    if notice is Notice.booked:
        return (
            t.gettext("Your appointment is booked [{reference}]"),
            t.gettext("We have booked an appointment for your question {reference}."),
        )
    if notice is Notice.moved:
        return (
            t.gettext("Your appointment has moved [{reference}]"),
            t.gettext("Your appointment for your question {reference} has moved to a new time."),
        )
    if notice is Notice.cancelled:
        return (
            t.gettext("Your appointment is cancelled [{reference}]"),
            t.gettext("Your appointment for your question {reference} is cancelled."),
        )
    return (
        t.gettext("Reminder: your appointment tomorrow [{reference}]"),
        t.gettext("We remind you of your appointment tomorrow about your question {reference}."),
    )


async def queue_mail(
    session: AsyncSession, settings: Settings, appointment: Appointment, notice: Notice, to_address: str, now: datetime
) -> OutboundMail:
    """Queue one mail about the appointment, with its invitation (or cancellation) attached."""
    language = Language(appointment.language)
    t = translator(language)
    reference = appointment.ticket.reference
    subject, opening = _texts(notice, language)
    lines = [t.gettext("Hello,"), "", opening.format(reference=reference), ""]
    when = format_moment(appointment.starts_at, language, settings.zone)
    lines.append(t.gettext("When: {when}").format(when=when))
    if appointment.home_visit and appointment.address:
        lines.append(t.gettext("We visit you at home: {address}").format(address=appointment.address))
    else:
        lines.append(t.gettext("Where: {place}").format(place=where(appointment, language)))
    lines.append("")
    if notice is not Notice.cancelled:
        lines.append(t.gettext("The appointment is attached; add it to your calendar."))
        lines.append(t.gettext("Can you not come? Reply to this e-mail and we will find another time."))
        lines.append("")
    lines += [t.gettext("Kind regards,"), t.gettext("City of Genk")]
    mail = OutboundMail(
        ticket_id=appointment.ticket_id,
        purpose=notice.value,
        to_address=to_address,
        language=language.value,
        # The reference in brackets threads a reply back even if the mail client drops In-Reply-To.
        subject=subject.format(reference=reference),
        body="\n".join(lines),
        message_id=new_message_id(settings.mail_domain),
        next_attempt_at=now,
        calendar=invitation(citizen_event(appointment, language), now),
    )
    session.add(mail)
    await session.flush()
    return mail
