"""CTI adapter: call events from the PBX. A call becomes a contact when it ends; the agent then adds the
summary (POST /v1/contacts with the call_id), which places it on a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import Principal
from genk3600.citizens.schemas import CitizenLookup
from genk3600.citizens.service import LookupQuery, lookup, may_look_up
from genk3600.config import Settings
from genk3600.contacts import repository
from genk3600.contacts.intake import Intake
from genk3600.contacts.schemas import WITHHELD, CallerNumber, PastMoment, call_details
from genk3600.contacts.service import record_intake
from genk3600.errors import UnprocessableInput
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock
from genk3600.kit.schemas import InputModel, OutputModel
from genk3600.models import Call
from genk3600.models.enums import CallState, Channel, ContactFlag, Direction
from genk3600.staff.repository import staff_by_email, staff_by_id

# Events may arrive late or twice; a call never moves back to an earlier state.
_ORDER = {CallState.ringing.value: 0, CallState.answered.value: 1, CallState.ended.value: 2}


class CallEventIn(InputModel):
    event: Literal["ringing", "answered", "ended"]
    call_id: str = Field(min_length=1, max_length=200, examples=["pbx-7f3a91"])
    caller_number: CallerNumber | None = Field(default=None, description="Withheld numbers: empty or `anonymous`.")
    called_number: str | None = Field(default=None, max_length=40, examples=["3600"])
    agent: EmailStr | None = Field(default=None, description="E-mail of the staff member who took the call.")
    direction: Direction = Direction.inbound
    at: PastMoment | None = Field(default=None, description="When it happened; defaults to now.")


class CallOut(OutputModel):
    call_id: str
    state: CallState
    caller_number: str | None
    called_number: str | None
    agent: str | None = Field(description="E-mail of the agent.")
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None = Field(description="From answer (or ringing) to end.")
    contact_id: int | None = Field(description="The contact the ended call became.")
    screen_pop: CitizenLookup | None = Field(
        description=(
            "On ringing/answered: citizens matching the caller number, for the agent's screen. Only for callers "
            "who may look citizens up (staff, or a key with `citizens:lookup`); null for a bare PBX key."
        )
    )


async def handle_call_event(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, event: CallEventIn
) -> CallOut:
    """Advance the call; on `ended`, record it as a contact awaiting the agent's summary (or a missed call)."""
    await repository.lock_external_id(session, Channel.phone, event.call_id)
    call = await repository.call_by_call_id(session, event.call_id)
    if call is None:
        call = Call(call_id=event.call_id, state=event.event)
        session.add(call)
    at = event.at or clock.now()
    call.caller_number = call.caller_number or event.caller_number
    call.called_number = call.called_number or event.called_number
    if event.agent:
        agent = await staff_by_email(session, event.agent)
        if agent is None:
            raise UnprocessableInput(P_("No staff member has the e-mail {email!r}."), params={"email": event.agent})
        call.agent_staff_id = agent.id
    if event.event == "ringing":
        call.ringing_at = call.ringing_at or at
    elif event.event == "answered":
        call.answered_at = call.answered_at or at
    else:
        call.ended_at = call.ended_at or at
    if _ORDER[event.event] >= _ORDER[call.state]:
        call.state = event.event
    await session.flush()
    if call.state == CallState.ended.value and call.contact_id is None:
        call.contact_id = await _record_call(session, settings, clock, actor, call, event.direction)
    pop = None
    # The PBX itself is no reader of the register: the pop is for callers who may look citizens up (the agent's
    # console reads it through /v1/me/calls); a bare contacts:write key gets the call without it.
    if event.event != "ended" and call.caller_number and call.caller_number != WITHHELD and may_look_up(actor):
        pop = await lookup(session, settings.secret, clock, actor, LookupQuery(phone=call.caller_number))
    return await _call_out(session, call, pop)


async def _record_call(
    session: AsyncSession, settings: Settings, clock: Clock, actor: Principal, call: Call, direction: Direction
) -> int:
    missed = call.answered_at is None
    started = call.answered_at or call.ringing_at
    intake = Intake(
        channel=Channel.phone,
        body="",
        direction=direction,
        channel_details=call_details(call.call_id, call.caller_number, call.called_number, started, call.ended_at),
        occurred_at=call.ringing_at or call.answered_at or call.ended_at,
        external_id=call.call_id,
        flags=frozenset({ContactFlag.missed_call} if missed else {ContactFlag.awaiting_summary}),
        opens_ticket=False,
    )
    recorded = await record_intake(session, settings, clock, actor, intake)
    return recorded.contact_id


async def _call_out(session: AsyncSession, call: Call, pop: CitizenLookup | None) -> CallOut:
    agent = None
    if call.agent_staff_id is not None:
        staff = await staff_by_id(session, call.agent_staff_id)
        agent = staff.email if staff else None
    started = call.answered_at or call.ringing_at
    duration = round((call.ended_at - started).total_seconds()) if call.ended_at and started else None
    return CallOut(
        call_id=call.call_id,
        state=CallState(call.state),
        caller_number=call.caller_number,
        called_number=call.called_number,
        agent=agent,
        ringing_at=call.ringing_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        duration_seconds=duration,
        contact_id=call.contact_id,
        screen_pop=pop,
    )
