"""HTTP for automatic assignment: presence, offers, skills, a unit's policy and the supervisor's view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from genk3600.assignment import service
from genk3600.assignment.schemas import (
    OfferList,
    OfferOut,
    PolicyIn,
    PolicyOut,
    PresenceIn,
    PresenceOut,
    SkillsIn,
    SkillsOut,
    SupervisorView,
)
from genk3600.auth.dependencies import Admin, AppClock, AppSettings, TicketReader, TicketWriter, require
from genk3600.auth.principal import Principal
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.schemas import MAX_ID
from genk3600.models.enums import Scope
from genk3600.models.organisation import CODE_PATTERN
from genk3600.tickets.schemas import TicketOut

router = APIRouter(tags=["assignment"])

SupervisorReader = Annotated[Principal, Depends(require(Scope.reports_read))]
StaffIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the staff member.", examples=[7])]
OfferIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the offer.", examples=[42])]
UnitCodePath = Annotated[
    str, Path(description="Code of the unit.", max_length=64, pattern=CODE_PATTERN, examples=["contact_centre"])
]
NOT_STAFF = "422 for an API client, which has no presence and receives no offers."


@router.get(
    "/v1/me/presence",
    operation_id="get_my_presence",
    summary="My presence",
    description=(
        "The signed-in staff member's presence as automatic assignment sees it now: `offline` once the console "
        "sent no heartbeat for the configured time, `busy` while a call rings or is answered and while an "
        f"appointment or home visit of theirs is under way (travel included). {NOT_STAFF}"
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def get_my_presence(
    session: Session, settings: AppSettings, clock: AppClock, principal: TicketReader
) -> PresenceOut:
    return await service.my_presence(session, settings, principal, clock.now())


@router.put(
    "/v1/me/presence",
    operation_id="set_my_presence",
    summary="Set my presence",
    description=(
        "Available to receive offers, busy or away to pause them, offline when leaving. Counts as a heartbeat. "
        f"{NOT_STAFF}"
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def set_my_presence(
    session: Session, settings: AppSettings, clock: AppClock, principal: TicketReader, data: PresenceIn
) -> PresenceOut:
    return await service.set_my_presence(session, settings, principal, data.status, clock.now())


@router.post(
    "/v1/me/presence/heartbeat",
    operation_id="send_presence_heartbeat",
    summary="My console is still open",
    description=(
        "The console sends this every 30 seconds; without it for `GENK3600_PRESENCE_TTL_SECONDS` the staff member "
        f"counts as offline and receives no offers. Without a presence set before, it stays offline. {NOT_STAFF}"
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def send_presence_heartbeat(
    session: Session, settings: AppSettings, clock: AppClock, principal: TicketReader
) -> PresenceOut:
    return await service.heartbeat(session, settings, principal, clock.now())


@router.get(
    "/v1/me/offers",
    operation_id="list_my_offers",
    summary="Tickets offered to me",
    description=(
        "The ticket offered to the signed-in staff member now (at most one at a time), with why they were chosen "
        "in the reader's language and when the offer moves on. The console's live stream sends the same list "
        f"as its `offers` message. {NOT_STAFF}"
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_my_offers(session: Session, principal: TicketReader, language: ReaderLanguage) -> OfferList:
    return await service.my_offers(session, principal, language)


@router.post(
    "/v1/me/offers/{offer_id}/accept",
    operation_id="accept_offer",
    summary="Accept an offered ticket",
    description=(
        "Assigns the offered ticket to the caller; the explanation of the choice goes on the ticket's timeline "
        "(`assigned`). 404 for an offer that is not the caller's; 409 once it was answered, timed out or its "
        f"ticket was taken meanwhile. {NOT_STAFF}"
    ),
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def accept_offer(session: Session, clock: AppClock, principal: TicketWriter, offer_id: OfferIdPath) -> TicketOut:
    return await service.accept_offer(session, principal, offer_id, clock.now())


@router.post(
    "/v1/me/offers/{offer_id}/decline",
    operation_id="decline_offer",
    summary="Decline an offered ticket",
    description=(
        "Passes the ticket on to the next staff member; it is not offered to the caller again for the unit's "
        "cool-down. 404 for an offer that is not the caller's; 409 once it was answered or timed out. "
        f"{NOT_STAFF}"
    ),
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def decline_offer(
    session: Session, clock: AppClock, principal: TicketWriter, offer_id: OfferIdPath, language: ReaderLanguage
) -> OfferOut:
    return await service.decline_offer(session, principal, offer_id, clock.now(), language)


@router.get(
    "/v1/staff/{staff_id}/presence",
    operation_id="get_staff_presence",
    summary="A staff member's presence",
    description="As `get_my_presence`, for any staff member (admin scope). 404 for an unknown staff member.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_staff_presence(
    session: Session, settings: AppSettings, clock: AppClock, _: Admin, staff_id: StaffIdPath
) -> PresenceOut:
    return await service.presence(session, settings, staff_id, clock.now())


@router.put(
    "/v1/staff/{staff_id}/presence",
    operation_id="set_staff_presence",
    summary="Set a staff member's presence",
    description=(
        "For systems that know where people are (a workforce planner, the appointment book): sets the presence "
        "as `set_my_presence` does, heartbeat included (admin scope). 404 for an unknown staff member."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def set_staff_presence(
    session: Session, settings: AppSettings, clock: AppClock, _: Admin, staff_id: StaffIdPath, data: PresenceIn
) -> PresenceOut:
    return await service.set_presence(session, settings, staff_id, data.status, clock.now())


@router.get(
    "/v1/staff/{staff_id}/skills",
    operation_id="get_staff_skills",
    summary="A staff member's capacity and skills",
    description=(
        "Open tickets they can hold per channel, and the languages, categories and desks automatic assignment "
        "checks (admin scope). Defaults while none are set. 404 for an unknown staff member."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_staff_skills(session: Session, _: Admin, staff_id: StaffIdPath) -> SkillsOut:
    return await service.skills(session, staff_id)


@router.put(
    "/v1/staff/{staff_id}/skills",
    operation_id="set_staff_skills",
    summary="Set a staff member's capacity and skills",
    description="Replaces them as a whole (admin scope). 404 for an unknown staff member.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def set_staff_skills(session: Session, _: Admin, staff_id: StaffIdPath, data: SkillsIn) -> SkillsOut:
    return await service.set_skills(session, staff_id, data)


@router.get(
    "/v1/units/{unit_code}/assignment-policy",
    operation_id="get_assignment_policy",
    summary="A unit's assignment policy",
    description=(
        "How the unit hands out its tickets: `off` (staff claim from the queue), `round_robin` or `least_loaded` "
        "among available staff with the skills, continuity for social tickets, the offer timeout and the "
        "cool-down after a refusal. A unit without a policy of its own is `off` (version 0). 404 for an "
        "unknown unit."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_assignment_policy(session: Session, _: TicketReader, unit_code: UnitCodePath) -> PolicyOut:
    return await service.policy(session, unit_code)


@router.put(
    "/v1/units/{unit_code}/assignment-policy",
    operation_id="set_assignment_policy",
    summary="Set a unit's assignment policy",
    description=(
        "Switches the unit between claiming and automatic assignment, by data (admin scope); the next run of the "
        "assignment job applies it. 404 for an unknown unit."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def set_assignment_policy(session: Session, _: Admin, unit_code: UnitCodePath, data: PolicyIn) -> PolicyOut:
    return await service.set_policy(session, unit_code, data)


@router.get(
    "/v1/units/{unit_code}/assignment",
    operation_id="get_unit_assignment",
    summary="Supervisor view of a unit",
    description=(
        "Live: who of the unit is available, busy, away or offline, how many open tickets each holds, the offers "
        "pending and when they move on, and the tickets waiting with their deadlines, most urgent first "
        "(`reports:read`: supervisors and admins). Tickets appear only where the caller may see them; "
        "`waiting_count` counts them all. 404 for an unknown unit."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def get_unit_assignment(
    session: Session, settings: AppSettings, clock: AppClock, principal: SupervisorReader, unit_code: UnitCodePath
) -> SupervisorView:
    return await service.supervisor_view(session, settings, principal, unit_code, clock.now())
