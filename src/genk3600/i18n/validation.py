"""The message of a validation error (pydantic's 422) in the reader's language.

English keeps pydantic's own message, word for word, as the API always gave it. Other languages get the
catalogue's text for the error's kind (`type`), with the limits it names (`{max_length}`, `{ge}` …) filled from
the error's context. pydantic's extra English explanations (`{error}` of a date it cannot parse) are left out
there; the kind says enough. A validator of ours raises `Invalid` (errors.py), whose text is in the catalogue
too. A kind without a text here gets a general sentence rather than English.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from genk3600.errors import AndList, Invalid, localise
from genk3600.i18n.catalogue import P_
from genk3600.models.enums import Language

# The kinds a JSON body, a query, a path or a header can produce (pydantic_core's ErrorType), by their
# English text (pydantic's message, without its English-only explanations).
MESSAGES: Mapping[str, str] = {
    "missing": P_("Field required"),
    "extra_forbidden": P_("Extra inputs are not permitted"),
    "json_invalid": P_("Invalid JSON"),
    "json_type": P_("JSON input should be string, bytes or bytearray"),
    "model_type": P_("Input should be an object"),
    "model_attributes_type": P_("Input should be an object"),
    "dataclass_type": P_("Input should be an object"),
    "dict_type": P_("Input should be an object"),
    "none_required": P_("Input should be null"),
    "greater_than": P_("Input should be greater than {gt}"),
    "greater_than_equal": P_("Input should be greater than or equal to {ge}"),
    "less_than": P_("Input should be less than {lt}"),
    "less_than_equal": P_("Input should be less than or equal to {le}"),
    "multiple_of": P_("Input should be a multiple of {multiple_of}"),
    "finite_number": P_("Input should be a finite number"),
    "too_short": P_("Input should have at least {min_length} items"),
    "too_long": P_("Input should have at most {max_length} items"),
    "string_type": P_("Input should be a valid string"),
    "string_unicode": P_("Input should be a valid string"),
    "string_too_short": P_("String should have at least {min_length} characters"),
    "string_too_long": P_("String should have at most {max_length} characters"),
    "string_pattern_mismatch": P_("String should match pattern '{pattern}'"),
    "enum": P_("Input should be {expected}"),
    "literal_error": P_("Input should be {expected}"),
    "list_type": P_("Input should be a valid list"),
    "tuple_type": P_("Input should be a valid list"),
    "set_type": P_("Input should be a valid list"),
    "frozen_set_type": P_("Input should be a valid list"),
    "iterable_type": P_("Input should be a valid list"),
    "bool_type": P_("Input should be a valid boolean"),
    "bool_parsing": P_("Input should be a valid boolean"),
    "int_type": P_("Input should be a valid integer"),
    "int_parsing": P_("Input should be a valid integer"),
    "int_parsing_size": P_("Input should be a valid integer"),
    "int_from_float": P_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": P_("Input should be a valid number"),
    "float_parsing": P_("Input should be a valid number"),
    "decimal_type": P_("Input should be a valid number"),
    "decimal_parsing": P_("Input should be a valid number"),
    "date_type": P_("Input should be a valid date"),
    "date_parsing": P_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": P_("Input should be a valid date"),
    "date_from_datetime_inexact": P_("Input should be a valid date"),
    "time_type": P_("Input should be a valid time"),
    "time_parsing": P_("Input should be a valid time"),
    "datetime_type": P_("Input should be a valid datetime"),
    "datetime_parsing": P_("Input should be a valid datetime"),
    "datetime_from_date_parsing": P_("Input should be a valid datetime"),
    "datetime_object_invalid": P_("Input should be a valid datetime"),
    "timezone_naive": P_("Input should not have timezone info"),
    "timezone_aware": P_("Input should have timezone info"),
    "time_delta_type": P_("Input should be a valid duration"),
    "time_delta_parsing": P_("Input should be a valid duration"),
    "url_type": P_("Input should be a valid URL"),
    "url_parsing": P_("Input should be a valid URL"),
    "url_syntax_violation": P_("Input should be a valid URL"),
    "url_too_long": P_("URL should have at most {max_length} characters"),
    "url_scheme": P_("URL scheme should be {expected_schemes}"),
    "uuid_type": P_("Input should be a valid UUID"),
    "uuid_parsing": P_("Input should be a valid UUID"),
    "union_tag_invalid": P_("Input tag '{tag}' does not match any of the expected tags: {expected_tags}"),
    "union_tag_not_found": P_("Unable to extract tag using discriminator {discriminator}"),
}
# A minimum of one is "not empty": no plural to get wrong.
NOT_EMPTY = P_("Should not be empty")
# pydantic's e-mail check gives the email-validator's English reason; in other languages the fact says enough.
NOT_AN_EMAIL = P_("value is not a valid email address")
INVALID = P_("This value is not valid")


def field_message(error: Mapping[str, Any], language: Language) -> str:
    """What is wrong with one field, in `language`."""
    if language is Language.en:
        return str(error["msg"])
    kind = str(error["type"])
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return _validator_message(context, language)
    if kind in ("string_too_short", "too_short") and context.get("min_length") == 1:
        return localise(NOT_EMPTY, {}, language)
    template = MESSAGES.get(kind)
    if template is None:
        return localise(INVALID, {}, language)
    values = {name: context.get(name, "") for name in _placeholders(template)}
    if "expected" in values:
        values["expected"] = _or_list(str(values["expected"]), language)
    return localise(template, values, language)


def _validator_message(context: Mapping[str, Any], language: Language) -> str:
    error = context.get("error")
    if isinstance(error, Invalid):
        return error(language)
    if "reason" in context and error is None:
        return localise(NOT_AN_EMAIL, {}, language)
    return localise(INVALID, {}, language)


def _or_list(expected: str, language: Language) -> str:
    """`'web', 'phone' or 'counter'` with the language's "or" (the values are codes and stay as they are)."""
    items, separator, last = expected.rpartition(" or ")
    if not separator:
        return expected
    return localise(AndList.OR, {"items": items, "last": last}, language)


def _placeholders(template: str) -> list[str]:
    return [name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name]
