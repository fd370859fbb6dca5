"""Which alternatives of a search are scanned: none whose words include all the words of another."""

from __future__ import annotations

from genk3600.search.repository import without_implied


def test_an_alternative_with_more_words_than_another_is_not_scanned() -> None:
    alternatives = ["'cart' & 'd' & 'identit':*", "'cart' & 'identit':*", "'carte' & 'd' & 'identite':*"]

    assert without_implied(alternatives) == ("'cart' & 'identit':*", "'carte' & 'd' & 'identite':*")


def test_a_prefix_is_a_different_term_from_the_whole_word() -> None:
    alternatives = ["'grofvuil':*", "'grofvuil' & 'straat'"]

    assert without_implied(alternatives) == tuple(alternatives)


def test_alternatives_with_phrases_are_kept_as_they_are() -> None:
    alternatives = ["'e' <-> 'mail' & 'adres'", "'adres'"]

    assert without_implied(alternatives) == tuple(alternatives)
