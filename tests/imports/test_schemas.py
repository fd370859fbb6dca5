"""The import's e-mail check gives EmailStr's answer, also where it takes its shortcut for plain addresses."""

from __future__ import annotations

import random

import pytest
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from genk3600.imports.schemas import _valid_email

ADDRESSES = [
    "jan@example.org",
    "jan.janssens+genk@sub.example.be",
    "a_b-c@x-y.example.org",
    "Jan@Example.org",  # not plain: the full check (it keeps the local part's case, lowers the domain)
    "postmaster@example.org",
    "a..b@example.org",
    ".a@example.org",
    "a.@example.org",
    "a@example..org",
    "a@-example.org",
    "a@example-.org",
    "a@example.org.",
    "a@localhost",
    "a@example",
    "a@example.test",
    "a@example.invalid",
    "a@example.local",
    "a@example.123",
    "a@xn--bcher-kva.example.org",
    "a@bücher.example.org",
    "jürgen@example.org",
    "a@" + "b" * 64 + ".example.org",
    "a" * 65 + "@example.org",
    "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".org",
    "a" * 60 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".org",
    "Jan <jan@example.org>",
    "a@[127.0.0.1]",
    "a@1.2.3.4",
    "",
]


def _answer(check: object, address: str) -> tuple[str, str]:
    try:
        return ("valid", check(address))  # type: ignore[operator]
    except PydanticCustomError as exc:
        return ("invalid", str(exc))


def _email_str(address: str) -> str:
    return validate_email(address)[1]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_same_answer_as_email_str(address: str) -> None:
    assert _answer(_valid_email, address) == _answer(_email_str, address)


def test_the_same_answer_for_random_plain_looking_addresses() -> None:
    rng = random.Random(16)  # noqa: S311 - test data, not secrets
    alphabet = "abz09._+-"
    for _ in range(2000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8)))
        domain = ".".join(
            "".join(rng.choice("az09-") for _ in range(rng.randrange(0, 6))) for _ in range(rng.randrange(1, 4))
        )
        address = f"{local}@{domain}"
        assert _answer(_valid_email, address) == _answer(_email_str, address), address
