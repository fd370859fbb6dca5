"""What an answer says about itself, in the citizen's words and language (klantentaal): its role, and on the
status page how and when it reached them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from genk3600.i18n import N_, format_moment, translator
from genk3600.models.enums import Language, ReplyMedium, Role

# What the answer is, in the citizen's words: the role of whoever answered (DESIGN: klantentaal).
ROLE_SENTENCES = {
    Role.deciding: N_("This is a decision of the {unit} department."),
    Role.advising: N_("This is advice from the {unit} department. The decision follows later."),
    Role.informing: N_("This is information, not a decision."),
    Role.registering: N_("We have noted your information. This is not a decision yet."),
}
# The status page: how and when the latest answer reached the citizen.
ANSWERED = {
    ReplyMedium.mail: N_("We answered you by e-mail on {moment}."),
    ReplyMedium.letter: N_("We sent you a letter on {moment}."),
    ReplyMedium.phone: N_("We answered you by phone on {moment}."),
}
SUBJECT = N_("Answer to your question [{reference}]")
GREETING = N_("Dear {name},")
NAMELESS = N_("Madam, Sir")  # {citizen_name} in a template when we do not know the citizen's name


def answer_role_sentence(role: Role, unit_name: str, language: Language) -> str:
    """The role of an answer in one sentence for the citizen: "Dit is een beslissing van de dienst Burgerzaken."."""
    return translator(language).gettext(ROLE_SENTENCES[role]).format(unit=unit_name)


def answered_sentence(medium: str, moment: datetime, language: Language, zone: ZoneInfo) -> str:
    said = translator(language).gettext(ANSWERED[ReplyMedium(medium)])
    return said.format(moment=format_moment(moment, language, zone))
