"""One SQL query per report (the aggregation happens in PostgreSQL), and the reader's units.

Every report query takes the same parameters: `start` and `end` (timestamptz, end exclusive: local
midnights of the period), `tz` (the zone whose calendar days the report counts) and `unit_ids` (the units
the figures may cover). Their meaning per report is in catalogue.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Text, TextClause, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import TypeEngine

from genk3600.models import Category, Unit
from genk3600.models.enums import Confidentiality, UnitKind

_SQL: dict[str, str] = {
    "contacts-per-channel": """
        SELECT (c.occurred_at AT TIME ZONE :tz)::date AS day,
               c.channel,
               count(*) FILTER (WHERE c.direction = 'inbound') AS inbound,
               count(*) FILTER (WHERE c.direction = 'outbound') AS outbound,
               count(*) AS contacts
        FROM contact c
        JOIN ticket t ON t.id = c.ticket_id
        WHERE c.occurred_at >= :start AND c.occurred_at < :end AND t.owning_unit_id = ANY(:unit_ids)
        GROUP BY 1, 2
        ORDER BY 1, 2
    """,
    # Set-based (hash joins over the period's tickets), not a subquery per ticket: a year is ~100k tickets.
    # A ticket's first incoming contact decides where its outcome was recorded (contact.answered_at_first_contact);
    # where it was not, the rule from before outcomes were recorded: one incoming contact, never handed over.
    "first-contact-resolution": """
        WITH resolved AS (
            SELECT t.id, t.owning_unit_id
            FROM ticket t
            WHERE t.resolved_at >= :start AND t.resolved_at < :end AND t.owning_unit_id = ANY(:unit_ids)
        ),
        inbound AS (
            SELECT c.ticket_id, count(*) AS contacts
            FROM contact c JOIN resolved r ON r.id = c.ticket_id
            WHERE c.direction = 'inbound'
            GROUP BY c.ticket_id
        ),
        first_inbound AS (
            SELECT DISTINCT ON (c.ticket_id) c.ticket_id, c.answered_at_first_contact AS answered
            FROM contact c JOIN resolved r ON r.id = c.ticket_id
            WHERE c.direction = 'inbound'
            ORDER BY c.ticket_id, c.occurred_at, c.id
        ),
        escalated AS (
            SELECT DISTINCT e.ticket_id FROM escalation e JOIN resolved r ON r.id = e.ticket_id
        ),
        judged AS (
            SELECT r.owning_unit_id,
                   f.answered IS NOT NULL AS recorded,
                   coalesce(f.answered, (i.contacts = 1 AND x.ticket_id IS NULL) IS TRUE) AS first_contact
            FROM resolved r
            LEFT JOIN inbound i ON i.ticket_id = r.id
            LEFT JOIN first_inbound f ON f.ticket_id = r.id
            LEFT JOIN escalated x ON x.ticket_id = r.id
        )
        SELECT u.code AS unit,
               count(*) AS resolved,
               count(*) FILTER (WHERE j.first_contact) AS first_contact,
               round(100.0 * count(*) FILTER (WHERE j.first_contact) / count(*), 1) AS fcr_percent,
               count(*) FILTER (WHERE j.recorded) AS outcome_recorded
        FROM judged j
        JOIN unit u ON u.id = j.owning_unit_id
        GROUP BY u.id
        ORDER BY u.code
    """,
    "sla-compliance": """
        SELECT u.code AS unit, cat.code AS category,
               count(*) AS resolved,
               count(*) FILTER (WHERE t.resolved_at <= t.resolution_due_at) AS on_time,
               count(*) FILTER (WHERE t.resolved_at > t.resolution_due_at) AS late,
               round(100.0 * count(*) FILTER (WHERE t.resolved_at <= t.resolution_due_at) / count(*), 1)
                   AS compliance_percent
        FROM ticket t
        JOIN unit u ON u.id = t.owning_unit_id
        LEFT JOIN category cat ON cat.id = t.category_id
        WHERE t.resolved_at >= :start AND t.resolved_at < :end AND t.owning_unit_id = ANY(:unit_ids)
          AND t.resolution_due_at IS NOT NULL
        GROUP BY u.id, cat.id
        ORDER BY u.code, cat.code NULLS FIRST
    """,
    "backlog-age": """
        WITH moment AS (SELECT least(CAST(:end AS timestamptz), statement_timestamp()) AS at),
        open_ticket AS (
            SELECT t.owning_unit_id,
                   CASE
                       WHEN m.at - t.created_at < interval '1 day' THEN 1
                       WHEN m.at - t.created_at < interval '3 days' THEN 2
                       WHEN m.at - t.created_at < interval '7 days' THEN 3
                       WHEN m.at - t.created_at < interval '30 days' THEN 4
                       ELSE 5
                   END AS band
            FROM ticket t CROSS JOIN moment m
            WHERE t.created_at < m.at
              AND (t.resolved_at IS NULL OR t.resolved_at >= m.at)
              AND t.owning_unit_id = ANY(:unit_ids)
        )
        SELECT u.code AS unit,
               (ARRAY['<1d', '1-3d', '3-7d', '7-30d', '30d+'])[o.band] AS age_band,
               count(*) AS tickets
        FROM open_ticket o
        JOIN unit u ON u.id = o.owning_unit_id
        GROUP BY u.id, o.band
        ORDER BY u.code, o.band
    """,
    "escalations": """
        WITH created AS (
            SELECT t.id, t.owning_unit_id FROM ticket t WHERE t.created_at >= :start AND t.created_at < :end
        ),
        first_escalation AS (
            SELECT DISTINCT ON (e.ticket_id) e.ticket_id, e.from_unit_id
            FROM escalation e JOIN created c ON c.id = e.ticket_id
            ORDER BY e.ticket_id, e.created_at, e.id
        ),
        escalated AS (
            SELECT DISTINCT e.ticket_id
            FROM escalation e JOIN created c ON c.id = e.ticket_id
            WHERE e.reason <> 'returned'
        ),
        rate AS (
            SELECT coalesce(f.from_unit_id, c.owning_unit_id) AS unit_id,
                   count(*) AS tickets,
                   count(x.ticket_id) AS escalated_tickets
            FROM created c
            LEFT JOIN first_escalation f ON f.ticket_id = c.id
            LEFT JOIN escalated x ON x.ticket_id = c.id
            WHERE coalesce(f.from_unit_id, c.owning_unit_id) = ANY(:unit_ids)
            GROUP BY 1
        ),
        reasons AS (
            SELECT e.from_unit_id AS unit_id, e.reason, count(*) AS escalations
            FROM escalation e
            WHERE e.created_at >= :start AND e.created_at < :end AND e.from_unit_id = ANY(:unit_ids)
            GROUP BY 1, 2
        )
        SELECT u.code AS unit,
               coalesce(rate.tickets, 0) AS tickets,
               coalesce(rate.escalated_tickets, 0) AS escalated_tickets,
               round(100.0 * rate.escalated_tickets / nullif(rate.tickets, 0), 1) AS escalation_rate_percent,
               reasons.reason,
               coalesce(reasons.escalations, 0) AS escalations
        FROM rate
        FULL JOIN reasons USING (unit_id)
        JOIN unit u ON u.id = unit_id
        ORDER BY u.code, reasons.reason NULLS FIRST
    """,
    "roles-per-unit": """
        SELECT u.code AS unit, p.role,
               count(*) AS participations,
               round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY u.id), 1) AS share_percent
        FROM participation p
        JOIN contact c ON c.id = p.contact_id
        JOIN staff_membership m ON m.staff_id = p.staff_id
        JOIN unit u ON u.id = m.unit_id
        WHERE c.occurred_at >= :start AND c.occurred_at < :end AND m.unit_id = ANY(:unit_ids)
        GROUP BY u.id, p.role
        ORDER BY u.code, array_position(ARRAY['informing', 'registering', 'advising', 'deciding'], p.role)
    """,
    "handling-time": """
        SELECT u.code AS unit,
               count(*) AS resolved,
               round(extract(epoch FROM avg(t.resolved_at - t.created_at)) / 3600, 2) AS average_hours,
               round(
                   (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.resolved_at - t.created_at))
                    / 3600)::numeric,
                   2
               ) AS median_hours
        FROM ticket t
        JOIN unit u ON u.id = t.owning_unit_id
        WHERE t.resolved_at >= :start AND t.resolved_at < :end AND t.owning_unit_id = ANY(:unit_ids)
        GROUP BY u.id
        ORDER BY u.code
    """,
    "assignment-offers": """
        SELECT (o.offered_at AT TIME ZONE :tz)::date AS day,
               u.code AS unit, u.name AS unit_name,
               count(*) AS offered,
               count(*) FILTER (WHERE o.state = 'accepted') AS accepted,
               count(*) FILTER (WHERE o.state = 'declined') AS declined,
               count(*) FILTER (WHERE o.state = 'expired') AS expired,
               count(*) FILTER (WHERE o.state = 'withdrawn') AS withdrawn,
               round(100.0 * count(*) FILTER (WHERE o.state = 'accepted') / count(*), 1) AS accepted_percent,
               round(
                   (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.answered_at - o.offered_at))
                    FILTER (WHERE o.state = 'accepted'))::numeric,
                   1
               ) AS median_seconds_to_accept
        FROM assignment_offer o
        JOIN unit u ON u.id = o.unit_id
        WHERE o.offered_at >= :start AND o.offered_at < :end AND o.unit_id = ANY(:unit_ids)
        GROUP BY 1, u.id
        ORDER BY 1, u.code
    """,
    # Call-backs due in the period, per unit that calls back; done on time = the citizen reached by the due time.
    "callbacks-on-time": """
        SELECT u.code AS unit, u.name AS unit_name,
               count(*) AS due,
               count(*) FILTER (WHERE b.status = 'completed' AND b.closed_at <= b.due_at) AS on_time,
               count(*) FILTER (WHERE b.status = 'completed' AND b.closed_at > b.due_at) AS late,
               count(*) FILTER (WHERE b.status = 'failed') AS failed,
               count(*) FILTER (WHERE b.status = 'cancelled') AS cancelled,
               count(*) FILTER (WHERE b.status = 'open') AS still_open,
               round(100.0 * count(*) FILTER (WHERE b.status = 'completed' AND b.closed_at <= b.due_at)
                     / count(*), 1) AS on_time_percent
        FROM callback_request b
        JOIN unit u ON u.id = b.unit_id
        WHERE b.due_at >= :start AND b.due_at < :end AND b.unit_id = ANY(:unit_ids)
        GROUP BY u.id
        ORDER BY u.code
    """,
    # Call-backs that ended in the period (reached or failed), per unit: the calls they took per success.
    "callback-attempts": """
        WITH ended AS (
            SELECT b.id, b.unit_id, b.status
            FROM callback_request b
            WHERE b.status IN ('completed', 'failed') AND b.closed_at >= :start AND b.closed_at < :end
              AND b.unit_id = ANY(:unit_ids)
        ),
        tries AS (
            SELECT a.callback_id, count(*) AS attempts
            FROM callback_attempt a JOIN ended e ON e.id = a.callback_id
            GROUP BY a.callback_id
        )
        SELECT u.code AS unit, u.name AS unit_name,
               count(*) AS ended,
               count(*) FILTER (WHERE e.status = 'completed') AS reached,
               count(*) FILTER (WHERE e.status = 'failed') AS failed,
               coalesce(sum(t.attempts), 0)::bigint AS attempts,
               round(coalesce(sum(t.attempts), 0)::numeric
                     / nullif(count(*) FILTER (WHERE e.status = 'completed'), 0), 2) AS attempts_per_success
        FROM ended e
        JOIN unit u ON u.id = e.unit_id
        LEFT JOIN tries t ON t.callback_id = e.id
        GROUP BY u.id
        ORDER BY u.code
    """,
    # Appointments that start in the period, per offering unit and kind: how they went.
    "appointments": """
        SELECT u.code AS unit, u.name AS unit_name, k.code AS kind,
               count(*) AS appointments,
               count(*) FILTER (WHERE a.status = 'held') AS held,
               count(*) FILTER (WHERE a.status = 'no_show') AS no_show,
               count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
               count(*) FILTER (WHERE a.status = 'booked') AS still_booked,
               round(100.0 * count(*) FILTER (WHERE a.status = 'no_show')
                     / nullif(count(*) FILTER (WHERE a.status IN ('held', 'no_show')), 0), 1) AS no_show_percent
        FROM appointment a
        JOIN unit u ON u.id = a.unit_id
        JOIN appointment_kind k ON k.id = a.kind_id
        WHERE a.starts_at >= :start AND a.starts_at < :end AND a.unit_id = ANY(:unit_ids)
        GROUP BY u.id, k.id
        ORDER BY u.code, k.code
    """,
}


_PARAMETER_TYPES: dict[str, TypeEngine[Any]] = {
    "start": DateTime(timezone=True),
    "end": DateTime(timezone=True),
    "tz": Text(),
    "unit_ids": ARRAY(BigInteger),
}


def _statement(sql: str) -> TextClause:
    """The query with typed parameters (only those it uses: not every report needs the zone)."""
    used = [bindparam(name, type_=kind) for name, kind in _PARAMETER_TYPES.items() if f":{name}" in sql]
    return text(sql).bindparams(*used)


STATEMENTS: dict[str, TextClause] = {name: _statement(sql) for name, sql in _SQL.items()}


async def report_rows(
    session: AsyncSession, name: str, start: datetime, end: datetime, zone: str, unit_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The rows of report `name` for [start, end) over `unit_ids`, as column → value."""
    result = await session.execute(
        STATEMENTS[name], {"start": start, "end": end, "tz": zone, "unit_ids": list(unit_ids)}
    )
    return [dict(row) for row in result.mappings()]


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


async def units_below(session: AsyncSession, roots: Sequence[int] | None) -> set[int]:
    """The ids of `roots` and every unit below them; every unit when `roots` is None."""
    if roots is None:
        return set((await session.scalars(select(Unit.id))).all())
    tree = select(Unit.id).where(Unit.id.in_(list(roots))).cte("tree", recursive=True)
    child = aliased(Unit)
    tree = tree.union(select(child.id).join(tree, child.parent_id == tree.c.id))
    return set((await session.scalars(select(tree.c.id))).all())


async def social_codes(session: AsyncSession) -> tuple[set[str], set[str], set[int]]:
    """The codes of OCMW units and of social categories, and the OCMW units' ids: rows about social work."""
    units = (await session.execute(select(Unit.id, Unit.code).where(Unit.kind == UnitKind.ocmw_service.value))).all()
    categories = await session.scalars(
        select(Category.code).where(Category.confidentiality == Confidentiality.social.value)
    )
    return {unit.code for unit in units}, set(categories.all()), {unit.id for unit in units}
