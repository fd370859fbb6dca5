from __future__ import annotations

import re

import pytest

from genk3600.public.access import (
    ALPHABET,
    access_code_hash,
    code_matches,
    format_code,
    new_access_code,
    normalise_code,
)

SECRET = b"test-secret-key-of-at-least-32-characters"
CODE_FORMAT = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{2}}$")


def test_code_is_grouped_from_an_unambiguous_alphabet() -> None:
    code, stored = new_access_code(SECRET)

    assert CODE_FORMAT.fullmatch(code), code
    assert not set("0O1IL") & set(ALPHABET)
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert normalise_code(code) not in stored


def test_codes_are_random() -> None:
    codes = {new_access_code(SECRET)[0] for _ in range(2000)}

    assert len(codes) == 2000
    # Every character of the alphabet turns up: no accidental bias towards a subset.
    assert set("".join(codes).replace("-", "")) == set(ALPHABET)


def test_code_matches_its_hash_only() -> None:
    code, stored = new_access_code(SECRET)
    other, _ = new_access_code(SECRET)

    assert code_matches(SECRET, code, stored)
    assert not code_matches(SECRET, other, stored)
    assert not code_matches(b"another-secret-key-of-32-characters!!", code, stored)
    assert not code_matches(SECRET, code, None)
    assert not code_matches(SECRET, "", stored)


@pytest.mark.parametrize(
    "typed",
    ["k7qx-m4pz-tr", "K7QXM4PZTR", " K7QX M4PZ TR ", "k7qx\u2013m4pz\u2013tr", "K7QX-\u00a0M4PZ-TR\n"],
)
def test_code_is_normalised_before_checking(typed: str) -> None:
    stored = access_code_hash(SECRET, "K7QX-M4PZ-TR")

    assert normalise_code(typed) == "K7QXM4PZTR"
    assert code_matches(SECRET, typed, stored)


def test_hash_is_keyed_and_purpose_bound() -> None:
    stored = access_code_hash(SECRET, "K7QX-M4PZ-TR")

    assert stored != access_code_hash(b"x" * 40, "K7QX-M4PZ-TR")
    # The same input hashed for another purpose (e.g. national numbers) must not give the same value.
    from genk3600.citizens.identifiers import national_number_hash

    assert stored != national_number_hash(SECRET, "K7QXM4PZTR")


def test_format_code() -> None:
    assert format_code("K7QXM4PZTR") == "K7QX-M4PZ-TR"
