from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from genk3600.errors import AndList, Conflict, NotFound, Phrase, UnprocessableInput
from genk3600.i18n.catalogue import P_


class TemplateNotFound(NotFound):
    title = P_("Reply template not found")
    slug = "reply-template-not-found"

    def __init__(self, template_id: int) -> None:
        super().__init__(
            P_("There is no reply template with id {template_id}."),
            params={"template_id": template_id},
            template_id=template_id,
        )


class UnknownTemplate(UnprocessableInput):
    """A reply names a template that does not exist, is inactive, or belongs to another category."""

    slug = "unknown-reply-template"

    def __init__(self, template_id: int) -> None:
        super().__init__(
            P_("There is no active reply template with id {template_id} for this ticket's category."),
            params={"template_id": template_id},
            template_id=template_id,
        )


class TemplateNameTaken(Conflict):
    slug = "reply-template-name-taken"

    def __init__(self, name: str) -> None:
        super().__init__(
            P_("Another reply template is already called {name!r}; choose another name."),
            params={"name": name},
            name=name,
        )


class BadPlaceholders(UnprocessableInput):
    """A text uses placeholders outside the whitelist, or braces that do not form one."""

    slug = "bad-placeholders"

    def __init__(self, language: str, problem: Any, allowed: Sequence[str]) -> None:
        names = AndList([f"{{{name}}}" for name in allowed])
        super().__init__(
            P_("The {language} text {problem}. Placeholders are {names}; write {open} and {close} for a brace itself."),
            params={"language": language, "problem": problem, "names": names, "open": "{{", "close": "}}"},
            language=language,
            allowed=list(allowed),
        )


class NoMailAddress(UnprocessableInput):
    slug = "no-mail-address"

    def __init__(self) -> None:
        super().__init__(
            P_("Nobody on this ticket has an e-mail address: record a letter or a phone answer instead."),
        )


class RecipientNotOnTicket(UnprocessableInput):
    """An explicit address must be one the ticket's contacts carry: never an arbitrary address."""

    slug = "recipient-not-on-ticket"

    def __init__(self) -> None:
        super().__init__(
            P_(
                "A reply goes only to an e-mail address this ticket already carries (the citizen's, or the sender "
                "of one of its mails); leave `to` out to answer the citizen."
            ),
        )


class NothingToQuote(UnprocessableInput):
    """A canned answer quotes the product catalogue, but the ticket's category has no entry (or not that text)."""

    slug = "nothing-to-quote"

    def __init__(self, reason: Phrase, placeholders: Sequence[str]) -> None:
        super().__init__(
            P_(
                "This canned answer quotes the product catalogue ({names}), but {reason}. Write the answer in your "
                "own words, or add the text to the catalogue first."
            ),
            params={"names": AndList([f"{{{name}}}" for name in placeholders]), "reason": reason},
            placeholders=list(placeholders),
        )


def no_entry() -> Phrase:
    return Phrase(P_("the ticket's category has no entry in the catalogue"))


def no_text(code: str, missing: Sequence[str]) -> Phrase:
    return Phrase(
        P_("its entry {code} has no text for {missing}"), code=code, missing=AndList([f"{{{n}}}" for n in missing])
    )
