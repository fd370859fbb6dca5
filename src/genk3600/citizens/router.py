from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from genk3600.auth.dependencies import AppClock, AppSettings, CurrentPrincipal, SubjectAccess
from genk3600.auth.errors import MissingScope
from genk3600.auth.principal import Principal
from genk3600.citizens import service
from genk3600.citizens.schemas import (
    CitizenExport,
    CitizenLookup,
    ErasureIn,
    ErasureOut,
    LegalHoldIn,
    LegalHoldOut,
)
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.i18n.catalogue import P_
from genk3600.models.enums import Scope
from genk3600.privacy import gdpr

router = APIRouter(prefix="/v1/citizens", tags=["citizens"])


async def lookup_caller(principal: CurrentPrincipal) -> Principal:
    if service.may_look_up(principal):
        return principal
    raise MissingScope(
        P_("Looking up citizens is for staff, or for an API key with the '{scope}' scope."),
        params={"scope": Scope.citizens_lookup.value},
    )


LookupCaller = Annotated[Principal, Depends(lookup_caller)]

CitizenId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The citizen's id.", examples=[42])]


@router.get(
    "/lookup",
    operation_id="lookup_citizens",
    summary="Screen pop: find a citizen",
    description=(
        "Finds citizens by phone (any notation, Belgian by default), e-mail, national number or name, with "
        "their open tickets, whether they have an OCMW case worker, and their household and active "
        "representatives (names, relation, consent scopes and period; never the relatives' tickets). "
        "Social (OCMW) tickets show only that "
        "they exist and whom to hand over to, unless the caller belongs to the owning unit or is the "
        "citizen's case worker. Used by the agent console when a call rings.\n\n"
        "For staff, or an API key with the `citizens:lookup` scope (`tickets:read` alone is not enough). "
        "Phone, e-mail and national number match exactly; a name needs at least 3 characters (422 "
        "otherwise). At most 10 citizens are returned (`truncated` says when more matched). An open ticket's "
        "`subject` is shown only if the caller could read that ticket. Every lookup is on the audit trail, "
        "with the social tickets it showed."
    ),
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def lookup_citizens(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    viewer: LookupCaller,
    phone: Annotated[str | None, Query(max_length=40, examples=["089 65 36 00"])] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    national_number: Annotated[str | None, Query(max_length=20)] = None,
    name: Annotated[str | None, Query(max_length=200, examples=["Janssens"])] = None,
) -> CitizenLookup:
    query = service.LookupQuery(phone=phone, email=email, national_number=national_number, name=name)
    return await service.lookup(session, settings.secret, clock, viewer, query)


@router.get(
    "/{citizen_id}/export",
    operation_id="export_citizen",
    summary="Subject access: everything held about a citizen",
    description=(
        "GDPR subject access: the citizen record (national number masked only), their contacts with bodies, "
        "channel facts and attachment metadata, and their tickets with timelines and roles, as one JSON "
        "document. Needs the `citizens:export` scope (the DPO's key; `admin` alone does not reach it); every "
        "export is on the audit trail."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def export_citizen(
    session: Session, clock: AppClock, viewer: SubjectAccess, citizen_id: CitizenId
) -> CitizenExport:
    return await gdpr.export_citizen(session, clock, viewer, citizen_id)


@router.post(
    "/{citizen_id}/erasure",
    operation_id="erase_citizen",
    summary="Erase a citizen's personal data (pseudonymise)",
    description=(
        "GDPR erasure by pseudonymisation: names, e-mail, phone and national number become null and the free "
        "text of their contacts and tickets becomes `[erased]` (attachment contents removed). Rows and keys "
        "stay, so counts per category and unit remain true. 409 while a legal hold is set. The answer says "
        "what was erased; the audit trail keeps it with the reason. Needs the `citizens:export` scope (the DPO's key)."
    ),
    responses=problem_responses(404, 409, *AUTH_PROBLEMS),
)
async def erase_citizen(
    session: Session, clock: AppClock, actor: SubjectAccess, citizen_id: CitizenId, data: ErasureIn
) -> ErasureOut:
    return await gdpr.erase_citizen(session, clock, citizen_id, data.reason)


@router.put(
    "/{citizen_id}/legal-hold",
    operation_id="set_citizen_legal_hold",
    summary="Set or lift a legal hold",
    description=(
        "While a legal hold is set, neither erasure nor the retention job touches the citizen's data. The "
        "reason is on the audit trail. Needs the `citizens:export` scope (the DPO's key)."
    ),
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def set_legal_hold(
    session: Session, actor: SubjectAccess, citizen_id: CitizenId, data: LegalHoldIn
) -> LegalHoldOut:
    return await gdpr.set_legal_hold(session, citizen_id, data.hold, data.reason)
