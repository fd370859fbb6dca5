"""Which alternatives of a search are scanned on the GIN indexes: none whose words include all the words of
another, none of common words only, and a common prefix not in the index condition (search/repository.py)."""

from __future__ import annotations

from genk3600.search.repository import COMMON_RECORDS, scanned, without_implied
from genk3600.search.word_counts import WordCounts


def test_an_alternative_with_more_words_than_another_is_not_scanned() -> None:
    alternatives = ["'cart' & 'd' & 'identit':*", "'cart' & 'identit':*", "'carte' & 'd' & 'identite':*"]

    assert without_implied(alternatives) == ("'cart' & 'identit':*", "'carte' & 'd' & 'identite':*")


def test_a_prefix_is_a_different_term_from_the_whole_word() -> None:
    alternatives = ["'grofvuil':*", "'grofvuil' & 'straat'"]

    assert without_implied(alternatives) == tuple(alternatives)


def test_alternatives_with_phrases_are_kept_as_they_are() -> None:
    alternatives = ["'e' <-> 'mail' & 'adres'", "'adres'"]

    assert without_implied(alternatives) == tuple(alternatives)


def _counts(**records: float) -> WordCounts:
    return WordCounts("genk3600", 0.0, dict(records))


COMMON = COMMON_RECORDS


def test_common_words_together_are_not_scanned() -> None:
    counts = _counts(sluikstort=COMMON * 11, opgehaald=COMMON * 11, opgehaalde=COMMON)

    assert scanned(["'sluikstort' & 'opgehaald':*"], counts) == ()
    assert scanned(["'sluikstort' & 'opgehaald'"], counts) == ()


def test_a_single_common_word_is_scanned() -> None:
    # One posting list and nothing to intersect: a word gone out of use still finds its older matches.
    counts = _counts(grofvuil=COMMON * 11)

    assert scanned(["'grofvuil':*"], counts) == ("'grofvuil':*",)


def test_a_rare_word_leads_and_a_common_prefix_is_left_out_of_the_index_condition() -> None:
    counts = _counts(sluikstort=COMMON * 11, opgehaald=COMMON * 11)

    assert scanned(["'zwembad' & 'sluikstort' & 'opgehaald':*"], counts) == ("'zwembad' & 'sluikstort'",)
    # A rare prefix is cheap to collect and stays.
    assert scanned(["'sluikstort' & 'zwem':*"], counts) == ("'sluikstort' & 'zwem':*",)


def test_a_prefix_counts_every_common_word_it_begins() -> None:
    counts = _counts(opgehaald=COMMON / 2, opgehaalde=COMMON / 2, sluikstort=COMMON)

    assert scanned(["'sluikstort' & 'opgehaal':*"], counts) == ()


def test_words_unknown_to_the_statistics_are_rare() -> None:
    alternatives = ["'sluikstort' & 'opgehaald':*", "'e' <-> 'mail' & 'adres'"]

    assert scanned(alternatives, _counts()) == tuple(alternatives)


def test_an_alternative_implied_once_planned_is_not_scanned() -> None:
    # The Dutch form keeps its rare `d`; the French one is common words only; the word-by-word form becomes
    # `carte & d` beside `cart & d`: each scanned once.
    counts = _counts(cart=COMMON * 2, identit=COMMON * 2, identiteitskaart=COMMON * 11)
    alternatives = ["'cart' & 'd' & 'identit':*", "'cart' & 'identit':*", "'carte' & 'd' & 'identite':*"]

    assert scanned(alternatives, counts) == ("'cart' & 'd'", "'carte' & 'd'")
