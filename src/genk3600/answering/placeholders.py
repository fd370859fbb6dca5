"""Placeholders in canned answers: a fixed whitelist of names, filled with `str.format_map`.

A template is staff's text, not code: only bare `{name}` fields from PLACEHOLDERS are allowed. No attribute or
index access (`{reference.__class__}`), no conversions (`{reference!r}`), no format specs (`{reference:>99999}`),
so rendering can neither reach an object's insides nor blow up in size. Texts are checked when they are saved
and again when they are rendered (an answer typed by the agent is never a template: it is sent as written).

The CATALOGUE names quote the product catalogue entry of the ticket's category (answering/quoting.py); they are
only looked up when a text uses one, and a text that uses one on a ticket without an entry is refused rather
than sent with a gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from genk3600.answering.errors import BadPlaceholders
from genk3600.errors import InEnglish, Phrase
from genk3600.i18n.catalogue import P_

TICKET: tuple[str, ...] = ("reference", "citizen_name", "unit_name", "category_name")
CATALOGUE: tuple[str, ...] = ("product_name", "what_to_bring", "cost", "delivery_time", "web_page", "opening_hours")
PLACEHOLDERS: tuple[str, ...] = TICKET + CATALOGUE


def check(text: str, language: str) -> None:
    """Refuse (422) a text whose fields are not bare whitelisted names."""
    try:
        fields = list(Formatter().parse(text))
    except ValueError as exc:  # a lone "{" or "}"
        raise BadPlaceholders(
            language,
            # Python's reason exists in English only.
            Phrase(
                P_("has a brace that is not part of a placeholder ({reason})"),
                reason=InEnglish(exc, P_("a single brace without its pair")),
            ),
            PLACEHOLDERS,
        ) from exc
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise BadPlaceholders(
                language,
                Phrase(P_("uses the unknown placeholder {placeholder}"), placeholder=f"{{{name}}}"),
                PLACEHOLDERS,
            )
        if spec or conversion:
            raise BadPlaceholders(
                language,
                Phrase(P_("formats the placeholder {placeholder}, which is not allowed"), placeholder=f"{{{name}}}"),
                PLACEHOLDERS,
            )


def used(text: str, language: str) -> set[str]:
    """The placeholder names a (checked) text uses."""
    check(text, language)
    return {name for _literal, name, _spec, _conversion in Formatter().parse(text) if name is not None}


def fill(text: str, language: str, values: Mapping[str, str]) -> str:
    """The text with its placeholders filled in; `values` holds every name the text uses."""
    return text.format_map({name: values[name] for name in used(text, language)})
