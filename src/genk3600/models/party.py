"""Who a contact involves besides the staff (its parties), and what it refers to in other systems (its links).

Klantinteracties calls them *betrokkenen* and *onderwerpobjecten*. A party is personal data of its own: a
representative's name and number are kept here, not in the citizen register, and a party that is a known
citizen only points at that citizen — it never widens who may see that citizen's other tickets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from genk3600.models.base import Base, IdMixin, one_of
from genk3600.models.enums import Language, PartyKind, PartyRelationship, PartyRole
from genk3600.models.ticket import ONE_ACTOR_AT_MOST, ActorMixin

# A Belgian enterprise number (KBO/BCE), compact: 10 digits starting with 0 or 1 (checked with python-stdnum
# on the way in; the database only guards the shape).
ENTERPRISE_NUMBER_SHAPE = "^[01][0-9]{9}$"
# Other systems' names and object types are codes (`ocmw-dossiers`, `omgevingsvergunning`), not prose.
LINK_CODE_SHAPE = "^[a-z0-9][a-z0-9._-]*$"


class ContactParty(IdMixin, ActorMixin, Base):
    """A person or organisation involved in a contact, in a role: the citizen it is about, or whoever made the
    contact on their behalf."""

    __tablename__ = "contact_party"
    __table_args__ = (
        one_of("kind", PartyKind),
        one_of("role", PartyRole),
        one_of("relationship", PartyRelationship),
        one_of("language", Language),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        CheckConstraint("relationship IS NULL OR role = 'representative'", name="relationship_of_representative"),
        CheckConstraint("kind = 'person' OR citizen_id IS NULL", name="organisation_is_no_citizen"),
        CheckConstraint(
            "kind = 'person' OR (name IS NOT NULL AND organisation_name IS NULL)", name="organisation_name"
        ),
        CheckConstraint("num_nonnulls(citizen_id, name, email, phone) >= 1", name="identified"),
        CheckConstraint(f"enterprise_number ~ '{ENTERPRISE_NUMBER_SHAPE}'", name="enterprise_number_shape"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint(r"phone ~ '^\+[1-9][0-9]{6,14}$'", name="phone_e164"),
        Index("ix_contact_party_contact_id", "contact_id"),
        Index("ix_contact_party_citizen_id", "citizen_id"),
        # Replies go to one party per contact at most; a ticket's correspondent is its newest.
        Index("uq_contact_party_correspondent", "contact_id", unique=True, postgresql_where=text("correspondent")),
    )

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    relationship: Mapped[str | None] = mapped_column(Text)
    # A party who is a known citizen; their name and addresses then come from the register unless given here.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="RESTRICT"))
    # A person's full name, or an organisation's name.
    name: Mapped[str | None] = mapped_column(Text)
    # The organisation a person acts for (a social worker of the CAW), if any.
    organisation_name: Mapped[str | None] = mapped_column(Text)
    enterprise_number: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    correspondent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ObjectLink(IdMixin, ActorMixin, Base):
    """A reference from a ticket or a contact to an object in another system: a case in the OCMW's case
    system, a permit file, a street light."""

    __tablename__ = "object_link"
    __table_args__ = (
        CheckConstraint("num_nonnulls(ticket_id, contact_id) = 1", name="one_holder"),
        CheckConstraint(ONE_ACTOR_AT_MOST, name="one_actor"),
        CheckConstraint(f"system ~ '{LINK_CODE_SHAPE}'", name="system_shape"),
        CheckConstraint(f"object_type ~ '{LINK_CODE_SHAPE}'", name="object_type_shape"),
        CheckConstraint("length(object_id) BETWEEN 1 AND 200", name="object_id_length"),
        CheckConstraint("url ~ '^https?://'", name="url_http"),
        UniqueConstraint("ticket_id", "system", "object_type", "object_id"),
        UniqueConstraint("contact_id", "system", "object_type", "object_id"),
        # The ticket filter: which tickets refer to this object (or to any object of a system and type).
        Index("ix_object_link_system", "system", "object_type", "object_id"),
    )

    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="RESTRICT"))
    system: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(Text)
    object_id: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
