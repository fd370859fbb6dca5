"""A new ticket is numbered inside its own INSERT (tickets.repository.new_reference): the SQL must spell the
reference exactly as kit.reference.format_reference does."""

from __future__ import annotations

from sqlalchemy import BigInteger, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.kit.reference import format_reference
from genk3600.tickets.repository import new_reference, reference_sql


async def test_the_reference_the_insert_computes_is_format_reference_of_the_next_number(session: AsyncSession) -> None:
    for year in (2026, 2027):
        reference = await session.scalar(select(new_reference(year)))
        number = await session.scalar(text("SELECT currval('ticket_number_seq')"))
        assert reference == format_reference(year, number)


async def test_numbers_past_six_digits_grow_longer_as_format_reference_does(session: AsyncSession) -> None:
    for number in (7, 999_999, 1_000_000, 12_345_678):
        reference = await session.scalar(select(reference_sql(2026, literal(number, BigInteger))))
        assert reference == format_reference(2026, number)
