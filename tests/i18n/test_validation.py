"""A validation error's message per language: pydantic's own in English, the catalogue's otherwise."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel, EmailStr, Field, ValidationError

from genk3600.citizens.identifiers import e164_phone
from genk3600.i18n.validation import field_message
from genk3600.models.enums import Channel, Language


def _not_a_plain_value(value: str) -> str:
    raise ValueError("a library's own English reason")


class Sample(BaseModel):
    email: EmailStr | None = None
    name: str = Field(default="x", min_length=1)
    code: str = Field(default="abcd", min_length=3)
    phone: Annotated[str, AfterValidator(e164_phone)] | None = None
    channel: Channel = Channel.web
    other: Annotated[str, AfterValidator(_not_a_plain_value)] | None = None


def _errors(**data: Any) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    return caught.value.errors()


@pytest.mark.parametrize(
    ("data", "english", "dutch"),
    [
        ({"email": "jan@"}, None, "geen geldig e-mailadres"),
        ({"name": ""}, "String should have at least 1 character", "Mag niet leeg zijn"),
        ({"code": "ab"}, "String should have at least 3 characters", "Moet minstens 3 tekens lang zijn"),
        ({"phone": "12345"}, "Value error, not a valid phone number", "geen geldig telefoonnummer"),
        (
            {"channel": "fax"},
            None,
            "Moet 'phone', 'mail', 'web', 'counter', 'home_visit', 'appointment' of 'letter' zijn",
        ),
        ({"other": "y"}, "Value error, a library's own English reason", "Deze waarde is ongeldig"),
    ],
)
def test_messages_per_language(data: dict[str, Any], english: str | None, dutch: str) -> None:
    [error] = _errors(**data)
    assert field_message(error, Language.en) == error["msg"]  # English: pydantic's own words, as always
    if english is not None:
        assert error["msg"] == english
    assert field_message(error, Language.nl) == dutch
    assert field_message(error, Language.fr) != error["msg"]
