"""Queries of the category suggestion: the training examples and the stored models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.models import Category, ClassifierModel, Contact, Ticket
from genk3600.models.enums import FINISHED_STATUSES

# The first contact of each ticket: the citizen's own words, which is what a suggestion sees at intake.
_FIRST_CONTACT = (
    select(Contact.ticket_id, Contact.subject, Contact.body)
    .ext(distinct_on(Contact.ticket_id))
    .where(Contact.ticket_id.is_not(None))
    .order_by(Contact.ticket_id, Contact.occurred_at, Contact.id)
    .subquery("first_contact")
)
# Resolved and closed tickets of active categories, oldest first (a time split cuts this order).
TRAINING_ROWS = (
    select(Ticket.created_at, Ticket.subject, _FIRST_CONTACT.c.subject, _FIRST_CONTACT.c.body, Category.code)
    .join(Category, Category.id == Ticket.category_id)
    .outerjoin(_FIRST_CONTACT, _FIRST_CONTACT.c.ticket_id == Ticket.id)
    .where(Ticket.status.in_(FINISHED_STATUSES), Category.active)
    .order_by(Ticket.created_at, Ticket.id)
)


async def training_rows(
    session: AsyncSession, until: datetime | None = None
) -> Sequence[tuple[datetime, str, str | None, str | None, str]]:
    statement = TRAINING_ROWS if until is None else TRAINING_ROWS.where(Ticket.created_at < until)
    return [tuple(row) for row in (await session.execute(statement)).all()]


async def next_version(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(ClassifierModel.version), 0))) or 0) + 1


def newest_model_key(session: Session) -> tuple[int, int, str] | None:
    """The newest model's id, version and signature (cached per reference version, see reference/cache.py)."""
    row = session.execute(
        select(ClassifierModel.id, ClassifierModel.version, ClassifierModel.signature)
        .order_by(ClassifierModel.version.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def model_by_id(session: AsyncSession, model_id: int) -> ClassifierModel | None:
    return await session.get(ClassifierModel, model_id)


async def list_models(session: AsyncSession, limit: int) -> Sequence[ClassifierModel]:
    statement = select(ClassifierModel).order_by(ClassifierModel.version.desc()).limit(limit)
    return (await session.scalars(statement)).all()
