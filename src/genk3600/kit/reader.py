"""The reader's language for the API's human-readable texts (timeline, roles, routing, reports, names).

`Accept-Language` picks one of nl, fr, en, de (`fr-BE,fr;q=0.9` → fr). Without the header, or with only
unsupported languages, texts are English: a machine client that asks for nothing gets the stable texts it
always got, while a browser (the console) always sends its language. Codes in the responses never change
with the language; only the sentences and names do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from genk3600.i18n import negotiate
from genk3600.models.enums import Language

DEFAULT_API_LANGUAGE = Language.en
ACCEPT_LANGUAGE_DESCRIPTION = (
    "Language of the human-readable texts (sentences, names): nl, fr, en or de, e.g. `nl-BE,nl;q=0.9`. "
    "Without it (or with no supported language) the texts are English. Codes do not depend on it."
)


# The header itself, for a route that takes it without the `ReaderLanguage` dependency (`language_of`).
AcceptLanguageHeader = Annotated[
    str | None, Header(alias="Accept-Language", max_length=500, description=ACCEPT_LANGUAGE_DESCRIPTION)
]


async def reader_language(accept_language: AcceptLanguageHeader = None) -> Language:
    return negotiate(accept_language, None, DEFAULT_API_LANGUAGE)


ReaderLanguage = Annotated[Language, Depends(reader_language)]


def language_of(accept_language: str | None) -> Language:
    """The same choice outside a route's dependencies (problem details, the body-size guard)."""
    return negotiate(accept_language, None, DEFAULT_API_LANGUAGE)
