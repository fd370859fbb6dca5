from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from genk3600.kit.reference import REFERENCE_EXAMPLE, format_reference
from genk3600.kit.schemas import OutputModel
from genk3600.models.enums import Language

CODE_EXAMPLE = "K7QX-M4PZ-TR"

EXAMPLE_NL: JsonDict = {
    "language": "nl",
    "reference": REFERENCE_EXAMPLE,
    "status_text": "Een medewerker werkt aan uw vraag.",
    "registered": "Wij hebben uw vraag genoteerd: “Aanvraag nieuwe identiteitskaart”.",
    "handled_by": "Burgerzaken",
    "role": "De dienst Burgerzaken beslist over uw aanvraag.",
    "staff_name": None,
    "your_part": "U hoeft nu niets te doen.",
    "expected_answer": "U krijgt een antwoord ten laatste op maandag 30 november 2026 om 12:00.",
    "updated_at": "2026-11-23T14:05:00Z",
    "latest_answer": {
        "text": "Uw aanvraag is goedgekeurd. U kunt uw kaart afhalen vanaf 14 december.",
        "role": "Dit is een beslissing van de dienst Burgerzaken.",
        "given": "Wij hebben u geantwoord per e-mail op maandag 7 december 2026 om 10:15.",
    },
}
EXAMPLE_SOCIAL_FR: JsonDict = {
    "language": "fr",
    "reference": format_reference(2026, 124),
    "status_text": "Votre assistant social traite votre demande.",
    "registered": None,
    "handled_by": None,
    "role": None,
    "staff_name": None,
    "your_part": None,
    "expected_answer": None,
    "updated_at": None,
    "latest_answer": None,
}


class PublicAnswer(OutputModel):
    """The newest answer we gave the citizen, as they received it: only its words, never staff's notes."""

    text: str = Field(
        description="The answer as it was sent to the citizen.",
        examples=["Uw aanvraag is goedgekeurd. U kunt uw kaart afhalen vanaf 14 december."],
    )
    role: str = Field(
        description="What kind of answer it is, in words.",
        examples=["Dit is een beslissing van de dienst Burgerzaken."],
    )
    given: str = Field(
        description="How and when it reached the citizen, in local time.",
        examples=["Wij hebben u geantwoord per e-mail op maandag 7 december 2026 om 10:15."],
    )


class PublicTicketStatus(OutputModel):
    """Where a ticket stands, in plain words in the citizen's language; nothing internal."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_NL, EXAMPLE_SOCIAL_FR]})

    language: Language = Field(description="The language of the texts.")
    reference: str = Field(examples=[REFERENCE_EXAMPLE])
    status_text: str = Field(description="Where the question stands.", examples=["Een medewerker werkt aan uw vraag."])
    # The answer always carries these keys (null when empty); the defaults only keep them optional in the
    # spec, because FastAPI drops null values from the examples there and they must still validate.
    registered: str | None = Field(
        default=None,
        description="What we registered: the citizen's own subject when they wrote it (a mail or web form); "
        "for a question registered by staff (phone, counter, visit) the question's category in the citizen's "
        "language, never staff's words. Null for social-welfare questions.",
        examples=["Wij hebben uw vraag genoteerd: “Aanvraag nieuwe identiteitskaart”."],
    )
    handled_by: str | None = Field(
        default=None,
        description="The service that has the question now; null for social-welfare questions.",
        examples=["Burgerzaken"],
    )
    role: str | None = Field(
        default=None,
        description="In which role that service acts: it decides, advises, registers and informs, or handles; "
        "null for social-welfare questions (the status says the one sentence they get).",
        examples=["De dienst Burgerzaken beslist over uw aanvraag."],
    )
    staff_name: str | None = Field(
        default=None,
        description="The staff member who handles the question; only where the city chose to show names, "
        "never for social-welfare questions.",
    )
    your_part: str | None = Field(
        default=None,
        description="What the citizen may still need to do; null for social-welfare questions.",
        examples=["U hoeft nu niets te doen."],
    )
    expected_answer: str | None = Field(
        default=None,
        description="By when to expect an answer, in local time (Europe/Brussels), in words; "
        "null for social-welfare questions.",
        examples=["U krijgt een antwoord ten laatste op maandag 30 november 2026 om 12:00."],
    )
    updated_at: datetime | None = Field(
        default=None, description="Last change of the question (RFC 3339, UTC); null for social-welfare questions."
    )
    latest_answer: PublicAnswer | None = Field(
        default=None,
        description="Our newest answer to the question (by mail, letter or phone), in the words the citizen got; "
        "null before the first answer, and always for social-welfare questions (their answers reach the citizen "
        "directly, never on a page behind a code that others may hold).",
    )
