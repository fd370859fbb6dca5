"""The SLA sweeper: records warnings and breaches as they fall due and hands breached tickets over.

Safe with several replicas: each batch claims its tickets with FOR UPDATE SKIP LOCKED in one transaction,
so two sweepers never act on the same ticket, and a ticket a request is changing is simply left for the
next run. A sweep reads only the due tickets (partial index on next_sla_check_at), not all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from genk3600.audit import trail
from genk3600.auth.principal import system_principal
from genk3600.config import Settings
from genk3600.i18n.texts import Message
from genk3600.kit.clock import Clock
from genk3600.kit.jobs import run_every
from genk3600.models import SlaPolicy, Unit
from genk3600.models.enums import OCMW_UNIT_KIND, Confidentiality, EscalationReason, Role, TicketEventType, TicketStatus
from genk3600.sla import repository
from genk3600.sla.deadlines import ClockState, DueNow, calendar_for_unit, due_now, next_check, warning_moment
from genk3600.sla.sla import BusinessCalendar
from genk3600.tickets import handoff, timeline
from genk3600.tickets.timeline import TimelineEntry

SOCIAL = Confidentiality.social.value

log = logging.getLogger(__name__)

SWEEPER = system_principal("SLA sweeper")
# A ticket whose check fails (e.g. a calendar without any opening) is retried later instead of blocking
# the tickets behind it on every run.
RETRY_FAILED_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: tickets looked at, warned, breached (one or both deadlines), handed over."""

    checked: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(
            self.checked + other.checked,
            self.warned + other.warned,
            self.breached + other.breached,
            self.escalated + other.escalated,
        )


async def sweep_once(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime, batch: int = 200
) -> SweepResult:
    """Act on every ticket whose SLA check is due at `now`, one transaction per batch."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    total = SweepResult()
    seen: set[int] = set()
    while True:
        async with sessions() as session, session.begin():
            tickets = await repository.claim_due_tickets(session, now, batch)
            sweep = _Batch(session, settings, now)
            await sweep.check_all(tickets)
        total += sweep.result
        if len(tickets) < batch:
            return total
        # A checked ticket leaves the due set (its next check moves past `now` or to NULL); should a bug
        # ever keep one in, stop rather than loop forever.
        ids = {ticket.id for ticket in tickets}
        if ids <= seen:
            log.error("SLA sweep saw the same %d tickets again; stopping this sweep", len(ids))
            return total
        seen |= ids


async def run_sweeper(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Sweep every `interval_seconds` until `stop` is set; a failed sweep is logged and tried again."""

    async def step() -> bool:
        result = await sweep_once(sessions, settings, clock.now())
        if result.warned or result.breached or result.escalated:
            log.info(
                "SLA sweep: %d warned, %d breached, %d handed over", result.warned, result.breached, result.escalated
            )
        return False

    await run_every("SLA sweep", step, interval_seconds, stop, log)


@dataclass
class _Plan:
    """What the sweep does to one ticket, decided in Python before any of the batch is written."""

    ticket: Row[Any]  # repository.DUE_COLUMNS, as claimed
    values: dict[str, Any]
    bump_version: bool = False
    entries: list[TimelineEntry] = field(default_factory=list)
    handover: tuple[Unit, Unit, DueNow] | None = None  # from, to, what fell due
    result: SweepResult = field(default_factory=SweepResult)


@dataclass
class _Batch:
    """One batch: every ticket is planned first, then the batch is written with a handful of set-based
    statements (ticket updates, escalations, timeline entries, outbox rows), so a sweep costs a few round
    trips per batch instead of several per ticket."""

    session: AsyncSession
    settings: Settings
    now: datetime
    result: SweepResult = field(default_factory=SweepResult)
    _policies: dict[int, SlaPolicy | None] = field(default_factory=dict)
    _calendars: dict[int, BusinessCalendar] = field(default_factory=dict)
    _units: dict[int, Unit | None] = field(default_factory=dict)

    async def check_all(self, tickets: Sequence[Row[Any]]) -> None:
        plans = [await self._plan_or_retry(ticket) for ticket in tickets]
        try:
            async with self.session.begin_nested():
                await self._write(plans)
        except Exception:
            # Something in the batch the database refused: write ticket by ticket, so only that one waits.
            log.exception("SLA sweep: writing a batch of %d failed; writing its tickets one by one", len(plans))
            for plan in plans:
                await self._write_alone(plan)
            return
        for plan in plans:
            self.result += plan.result

    def _retry(self, ticket: Row[Any]) -> _Plan:
        return _Plan(ticket, {"next_sla_check_at": self.now + RETRY_FAILED_AFTER})

    async def _plan_or_retry(self, ticket: Row[Any]) -> _Plan:
        try:
            return await self._plan(ticket)
        except Exception:
            log.exception("SLA check of ticket %s failed; retrying in %s", ticket.reference, RETRY_FAILED_AFTER)
            return self._retry(ticket)

    async def _write_alone(self, plan: _Plan) -> None:
        try:
            async with self.session.begin_nested():
                await self._write([plan])
        except Exception:
            log.exception("SLA check of ticket %s failed; retrying in %s", plan.ticket.reference, RETRY_FAILED_AFTER)
            retry = self._retry(plan.ticket)
            await repository.write_sla_fields(self.session, retry.ticket.id, retry.values, bump_version=False)
            await trail.record_writes(self.session, [_audited(retry)])
            return
        self.result += plan.result

    async def _plan(self, ticket: Row[Any]) -> _Plan:
        now = self.now
        state = ClockState.of(ticket)
        policy = await self._policy(ticket.sla_policy_id)
        warning_at = None
        if policy is not None and state.warning_watched and ticket.resolution_due_at is not None:
            calendar = await self._calendar(ticket.owning_unit_id)
            warning_at = warning_moment(calendar, ticket.resolution_due_at, policy)
        due = due_now(state, warning_at, now)
        values: dict[str, Any] = {}
        if due.breach:
            values["sla_breached_at"] = now
        if due.warning:
            values["sla_warned_at"] = now
        after = replace(
            state,
            sla_breached_at=values.get("sla_breached_at", state.sla_breached_at),
            sla_warned_at=values.get("sla_warned_at", state.sla_warned_at),
        )
        values["next_sla_check_at"] = next_check(after, warning_at)
        handover = None
        if due.breach and policy is not None and policy.breach_unit_id not in (None, ticket.owning_unit_id):
            target = await self._unit(policy.breach_unit_id)
            # A social ticket never leaves the OCMW: a breach unit outside it leaves the OCMW owner in place.
            if target is not None and (ticket.confidentiality != SOCIAL or target.kind == OCMW_UNIT_KIND):
                source = await self._unit(ticket.owning_unit_id)
                if source is None:  # the foreign key makes this unreachable
                    raise RuntimeError(f"ticket {ticket.reference} has no owning unit")
                handover = (source, target, due)
        if handover is not None:
            values.update(
                owning_unit_id=handover[1].id,
                tier=handoff.next_tier(ticket.tier),
                # Into the breach unit's queue, as any hand-over to a unit without a named person.
                assignee_staff_id=None,
                status=TicketStatus.new.value,
            )
        entries: list[TimelineEntry] = []
        if due.first_response_breach:
            entries += self._first_response_breach(ticket, policy)
        if due.resolution_breach:
            entries += self._resolution_breach(ticket, policy)
        if due.warning:
            entries += self._warning(ticket, policy)
        result = SweepResult(
            checked=1, warned=int(due.warning), breached=int(due.breach), escalated=int(handover is not None)
        )
        return _Plan(ticket, values, handover is not None, entries, handover, result)

    async def _write(self, plans: Sequence[_Plan]) -> None:
        """The batch's writes in the order a ticket-by-ticket sweep made them: tickets, escalations, then
        each ticket's timeline entries (the hand-over last) with their outbox rows, which snapshot the
        ticket's new owner. Each writer audits its rows, set-based as well."""
        await repository.write_sla_fields_many(
            self.session, [(plan.ticket.id, plan.values, plan.bump_version) for plan in plans]
        )
        await trail.record_writes(self.session, [_audited(plan) for plan in plans])
        handovers = {id(plan): self._handover(plan.ticket, plan.handover) for plan in plans if plan.handover}
        escalated = await handoff.write_escalations(self.session, SWEEPER, list(handovers.values()))
        entry_of = {key: escalation.entry for key, escalation in zip(handovers, escalated, strict=True)}
        entries: list[tuple[int, TimelineEntry]] = []
        for plan in plans:
            entries += [(plan.ticket.id, entry) for entry in plan.entries]
            if id(plan) in entry_of:
                entries.append((plan.ticket.id, entry_of[id(plan)]))
        await timeline.record_many(self.session, SWEEPER, entries)

    def _first_response_breach(self, ticket: Row[Any], policy: SlaPolicy | None) -> list[TimelineEntry]:
        due = ticket.first_response_due_at
        if due is None:  # due_now only reports a breach of a deadline that exists
            return []
        answered = ticket.first_responded_at
        text = Message("sla.first_response_missed", {"due": due.isoformat()})
        if answered is not None:
            text = Message("sla.first_response_late", {"due": due.isoformat(), "answered": answered.isoformat()})
        data = self._deadline_data("first_response", due, policy)
        return [TimelineEntry(TicketEventType.sla_breach, text, data)]

    def _resolution_breach(self, ticket: Row[Any], policy: SlaPolicy | None) -> list[TimelineEntry]:
        due = ticket.resolution_due_at
        if due is None:
            return []
        text = Message("sla.resolution_missed", {"due": due.isoformat()})
        data = self._deadline_data("resolution", due, policy)
        return [TimelineEntry(TicketEventType.sla_breach, text, data)]

    def _warning(self, ticket: Row[Any], policy: SlaPolicy | None) -> list[TimelineEntry]:
        due = ticket.resolution_due_at
        if due is None or policy is None:
            return []
        used = round(policy.warning_fraction * 100)
        text = Message("sla.warning", {"percent": used, "due": due.isoformat()})
        data = {**self._deadline_data("resolution", due, policy), "warning_fraction": policy.warning_fraction}
        return [TimelineEntry(TicketEventType.sla_warning, text, data)]

    def _deadline_data(self, deadline: str, due: datetime, policy: SlaPolicy | None) -> dict[str, Any]:
        return {
            "deadline": deadline,
            "due_at": due.isoformat(),
            "policy": policy.code if policy is not None else None,
        }

    def _handover(self, ticket: Row[Any], handover: tuple[Unit, Unit, DueNow]) -> handoff.Handover:
        source, target, due = handover
        deadline = "resolution" if due.resolution_breach else "first_response"
        return handoff.Handover(
            ticket_id=ticket.id,
            source=source,
            target=target,
            target_staff=None,
            from_tier=ticket.tier,
            to_tier=handoff.next_tier(ticket.tier),
            reason=EscalationReason.sla_breach,
            requested_role=Role.deciding.value,
            note=f"The {deadline.replace('_', '-')} deadline passed.",
            note_on_timeline=False,
            details={"deadline": deadline},
        )

    async def _policy(self, policy_id: int | None) -> SlaPolicy | None:
        if policy_id is None:
            return None
        if policy_id not in self._policies:
            self._policies[policy_id] = await repository.cached_policy(self.session, policy_id)
        return self._policies[policy_id]

    async def _calendar(self, unit_id: int) -> BusinessCalendar:
        if unit_id not in self._calendars:
            self._calendars[unit_id] = await calendar_for_unit(self.session, unit_id, self.settings.timezone)
        return self._calendars[unit_id]

    async def _unit(self, unit_id: int | None) -> Unit | None:
        if unit_id is None:
            return None
        if unit_id not in self._units:
            self._units[unit_id] = await repository.unit_by_id(self.session, unit_id)
        return self._units[unit_id]


def _audited(plan: _Plan) -> trail.Write:
    """The audit entry of a ticket's SLA update: the columns written, from the values the claim read."""
    ticket = plan.ticket
    loaded = ticket._mapping
    before = {column: loaded[column] for column in [*plan.values, "version"] if column in loaded}
    after = dict(plan.values)
    if plan.bump_version and "version" in before:
        after["version"] = before["version"] + 1
    return trail.updated("ticket", ticket.id, before, after)
