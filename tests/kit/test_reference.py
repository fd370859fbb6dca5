from __future__ import annotations

import re

import pytest

from genk3600.kit.reference import (
    REFERENCE_EXAMPLE,
    REFERENCE_IN_TEXT,
    REFERENCE_PATTERN,
    format_reference,
    normalise_reference,
)


@pytest.mark.parametrize(
    ("year", "number", "reference"),
    [(2026, 123, "G3600-2026-000123"), (2026, 999_999, "G3600-2026-999999"), (2019, 1_234_567, "G3600-2019-1234567")],
)
def test_a_formatted_reference_matches_the_pattern_and_is_found_in_text(year: int, number: int, reference: str) -> None:
    assert format_reference(year, number) == reference
    assert re.fullmatch(REFERENCE_PATTERN, reference)
    assert REFERENCE_IN_TEXT.findall(f"Re: [{reference.lower()}] Grofvuil") == [reference.lower()]


@pytest.mark.parametrize("text", ["G3600-2026-00012", "G3600-26-000123", "XG3600-2026-000123", "G3600-2026-000123a"])
def test_near_misses_are_not_references(text: str) -> None:
    assert not re.fullmatch(REFERENCE_PATTERN, text)
    assert not REFERENCE_IN_TEXT.search(text)


def test_the_example_is_a_reference() -> None:
    assert re.fullmatch(REFERENCE_PATTERN, REFERENCE_EXAMPLE)


def test_references_as_citizens_type_them() -> None:
    assert normalise_reference(" g3600-2026-000123 ") == "G3600-2026-000123"
    assert len(normalise_reference("x" * 500)) == 40
