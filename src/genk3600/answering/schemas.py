from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field, field_validator, model_validator

from genk3600.answering.placeholders import PLACEHOLDERS
from genk3600.categories.schemas import CategoryCode
from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_
from genk3600.kit.reference import REFERENCE_EXAMPLE
from genk3600.kit.schemas import MAX_ID, InputModel, OutputModel
from genk3600.models.enums import Language, ReplyMedium, Role

MAX_TEXT = 10_000
MAX_NOTE = 2_000
MAX_NAME = 200

TEXT_NL = (
    "Uw aanvraag voor een nieuwe identiteitskaart is goedgekeurd. U kunt de kaart afhalen aan het loket "
    "van {unit_name} vanaf 14 december. Breng uw oude kaart en de brief met uw codes mee."
)
ANSWER_NL = (
    "Uw aanvraag voor een nieuwe identiteitskaart is goedgekeurd. U kunt de kaart afhalen aan het loket "
    "van Burgerzaken vanaf 14 december. Breng uw oude kaart en de brief met uw codes mee."
)
MESSAGE_NL = (
    f"Beste Jan Janssens,\n\n{ANSWER_NL}\n\nDit is een beslissing van de dienst Burgerzaken.\n\n"
    f"Het nummer van uw vraag is {REFERENCE_EXAMPLE}.\nU kunt op deze mail antwoorden. Wij voegen uw antwoord toe "
    "aan uw vraag.\n\nMet vriendelijke groeten,\nBurgerzaken\nStad Genk"
)
TEMPLATE_TEXTS = {
    "nl": TEXT_NL,
    "fr": "Votre demande de nouvelle carte d'identité est acceptée. Vous pouvez la retirer au guichet de "
    "{unit_name} à partir du 14 décembre. Apportez votre ancienne carte et la lettre avec vos codes.",
    "en": "Your application for a new identity card is approved. You can collect it at the {unit_name} desk "
    "from 14 December. Bring your old card and the letter with your codes.",
    "de": "Ihr Antrag auf einen neuen Personalausweis ist genehmigt. Sie können ihn ab dem 14. Dezember am "
    "Schalter von {unit_name} abholen. Bringen Sie Ihren alten Ausweis und den Brief mit Ihren Codes mit.",
}


def _placeholder_help() -> str:
    return ", ".join(f"`{{{name}}}`" for name in PLACEHOLDERS)


class TemplateTexts(InputModel):
    """The answer in every language a citizen may prefer."""

    nl: str = Field(min_length=1, max_length=MAX_TEXT, examples=[TEMPLATE_TEXTS["nl"]])
    fr: str = Field(min_length=1, max_length=MAX_TEXT, examples=[TEMPLATE_TEXTS["fr"]])
    en: str = Field(min_length=1, max_length=MAX_TEXT, examples=[TEMPLATE_TEXTS["en"]])
    de: str = Field(min_length=1, max_length=MAX_TEXT, examples=[TEMPLATE_TEXTS["de"]])


class ReplyTemplateIn(InputModel):
    """A canned answer: its name (what staff pick it by), its category, and its text in nl, fr, en and de."""

    name: str = Field(
        min_length=1, max_length=MAX_NAME, description="What staff pick it by.", examples=["Identiteitskaart klaar"]
    )
    category: CategoryCode | None = Field(
        default=None,
        description="The category whose tickets offer it; null: offered on every ticket.",
        examples=["civil.id_card"],
    )
    texts: TemplateTexts = Field(
        description="The answer per language. Placeholders, filled in when the answer is written: "
        + _placeholder_help()
        + ". Write `{{` and `}}` for a brace itself; anything else between braces is refused (422).",
    )
    active: bool = Field(default=True, description="Inactive templates are no longer offered.")


class ReplyTemplateOut(OutputModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["Identiteitskaart klaar"])
    category: str | None = Field(examples=["civil.id_card"])
    texts: dict[Language, str] = Field(examples=[TEMPLATE_TEXTS])
    active: bool
    version: int = Field(description="Goes up by one with every change; `ETag` carries it.", examples=[2])
    created_at: datetime
    updated_at: datetime


class ReplyTemplateList(OutputModel):
    """Templates by name (a few dozen at most, so not paginated)."""

    items: list[ReplyTemplateOut]


class ReplyTemplateVersionOut(OutputModel):
    """A template as it was saved, and by whom."""

    version: int = Field(examples=[1])
    name: str = Field(examples=["Identiteitskaart klaar"])
    category: str | None = Field(examples=["civil.id_card"])
    texts: dict[Language, str] = Field(examples=[TEMPLATE_TEXTS])
    active: bool
    saved_by: str = Field(description="Who saved this version (a name snapshot).", examples=["Functioneel Beheerder"])
    saved_at: datetime


class ReplyTemplateHistory(OutputModel):
    """Every version of a template, oldest first."""

    items: list[ReplyTemplateVersionOut]


class ReplyIn(InputModel):
    """An answer to the citizen on this ticket."""

    medium: ReplyMedium = Field(
        description="`mail`: we send it (threaded with the citizen's mail); `letter`: a letter sent on paper, "
        "recorded; `phone`: an answer given on the phone, recorded.",
        examples=[ReplyMedium.mail],
    )
    role: Role = Field(
        default=Role.informing,
        description="The role in which the staff member answers; the answer says it in words. `deciding` needs "
        "decision authority for the ticket's category, as recording a deciding role does.",
        examples=[Role.deciding],
    )
    template_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="A canned answer to start from (for the ticket's category or for all), written in the "
        "citizen's language with its placeholders filled in. Ignored for the words when `text` is given, but "
        "recorded as the answer's source.",
        examples=[3],
    )
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="The answer as the citizen reads it, sent as written (no placeholders). Give this or "
        "`template_id`.",
        examples=[ANSWER_NL],
    )
    to_address: EmailStr | None = Field(
        default=None,
        description="Only for `mail`: another address to answer than the citizen's, which must be one this "
        "ticket already carries (the sender or Reply-To of one of its mails). Never an arbitrary address: an "
        "answer may hold personal or social-welfare information.",
        examples=[None],
    )
    note: str | None = Field(
        default=None,
        max_length=MAX_NOTE,
        description="For colleagues, on the recorded role; never sent to or shown to the citizen.",
        examples=["Kaart besteld op 2 december."],
    )
    staff_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Who answers. Staff leave it out (their own answer); API clients must name someone.",
        examples=[None],
    )

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _words_and_recipient(self) -> ReplyIn:
        if self.text is None and self.template_id is None:
            raise Invalid(P_("an answer needs words: give `text`, or a `template_id` to start from"))
        if self.to_address is not None and self.medium is not ReplyMedium.mail:
            raise Invalid(P_("`to_address` is only for answers by mail"))
        return self


class RecipientOut(OutputModel):
    name: str | None = Field(examples=["Jan Janssens"])
    email: str | None = Field(examples=["jan.janssens@example.org"])
    language: Language = Field(description="The language the answer is written in.")


class TemplateRef(OutputModel):
    id: int = Field(examples=[3])
    version: int = Field(examples=[2])


class ReplyPreview(OutputModel):
    """What the citizen would read; nothing is written."""

    ticket: str = Field(examples=[REFERENCE_EXAMPLE])
    medium: ReplyMedium
    role: Role
    recipient: RecipientOut
    subject: str | None = Field(
        description="The mail's subject (with the reference, so an answer threads back); null for letters and calls.",
        examples=[f"Antwoord op uw vraag [{REFERENCE_EXAMPLE}]"],
    )
    text: str = Field(
        description="The answer itself (the template filled in, or the text given).", examples=[ANSWER_NL]
    )
    role_sentence: str = Field(
        description="The role in words, in the citizen's language.",
        examples=["Dit is een beslissing van de dienst Burgerzaken."],
    )
    message: str = Field(
        description="The whole message as the citizen reads it: greeting, answer, role, signature.",
        examples=[MESSAGE_NL],
    )
    template: TemplateRef | None


class ReplyMailOut(OutputModel):
    message_id: str = Field(description="Our Message-ID, without <>.", examples=["4f1c0e9a7b2d@genk3600.genk.be"])
    in_reply_to: str | None = Field(
        description="The citizen's message it answers, without <>; null if they never mailed.",
        examples=["CAF3x9q@mail.example.org"],
    )
    status: str = Field(description="`pending` until the sender has handed it to the relay.", examples=["pending"])


class ReplyOut(ReplyPreview):
    id: int = Field(examples=[12])
    contact_id: int = Field(description="The outbound contact that carries the answer.", examples=[88])
    staff_id: int = Field(examples=[42])
    unit: str = Field(description="The unit in whose name the answer was given.", examples=["burgerzaken"])
    mail: ReplyMailOut | None = Field(description="The queued mail; null for letters and calls.")
    created_at: datetime
