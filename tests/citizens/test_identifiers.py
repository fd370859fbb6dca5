from __future__ import annotations

import pytest

from genk3600.citizens.identifiers import (
    e164_phone,
    masked_national_number,
    national_number_hash,
    valid_national_number,
)


@pytest.mark.parametrize("written", ["85.07.30-033.28", "85073003328", "85 07 30 033 28"])
def test_national_number_notations(written: str) -> None:
    assert valid_national_number(written) == "85073003328"


@pytest.mark.parametrize("bad", ["85073003329", "1234", "85.13.30-033.28"])
def test_invalid_national_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid Belgian national number"):
        valid_national_number(bad)


def test_national_number_hash_is_keyed_and_mask_hides_the_number() -> None:
    one = national_number_hash(b"k1", "85073003328")
    assert one == national_number_hash(b"k1", "85073003328")
    assert one != national_number_hash(b"k2", "85073003328")
    assert "850730" not in masked_national_number("85073003328")


@pytest.mark.parametrize(
    ("written", "e164"),
    [("089 65 36 00", "+3289653600"), ("0470/12.34.56", "+32470123456"), ("+31 20 123 4567", "+31201234567")],
)
def test_phone_numbers_become_e164(written: str, e164: str) -> None:
    assert e164_phone(written) == e164


def test_invalid_phone_numbers_are_refused() -> None:
    for bad in ("12", "abc", "+32 1"):
        with pytest.raises(ValueError, match="phone number"):
            e164_phone(bad)
