from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response, status
from fastapi.responses import JSONResponse

from genk3600.auth.dependencies import Admin, AppClock, AppSettings, TicketReader
from genk3600.db import Session
from genk3600.errors import AUTH_PROBLEMS, problem_responses
from genk3600.kit.idempotency import IdempotencyGuard
from genk3600.kit.reader import ReaderLanguage
from genk3600.kit.schemas import MAX_ID
from genk3600.routing import service
from genk3600.routing.schemas import (
    RULE_EXAMPLE,
    DecisionOut,
    ReplayIn,
    ReplayOut,
    RuleHistory,
    RuleIn,
    RuleOut,
    SimulateIn,
)

router = APIRouter(prefix="/v1/routing", tags=["routing"])

RuleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The rule's stable id.")]
SIMULATE_EXAMPLES: dict[str, Any] = {
    "current rules": {
        "summary": "Which unit gets this contact under the current rules?",
        "value": {"contact": {"channel": "web", "category": "waste.pickup", "subject": "Grofvuil", "body": "..."}},
    },
    "suggested category": {
        "summary": "Route a contact without a category by the suggested one",
        "value": {
            "contact": {"channel": "phone", "subject": "Identiteitskaart gestolen", "body": "Mijn kaart is gestolen."},
            "use_suggested_category": True,
        },
    },
    "draft": {
        "summary": "Try a draft rule set",
        "value": {"contact": {"channel": "phone", "subject": "Container kapot"}, "rules": [RULE_EXAMPLE]},
    },
}


@router.get(
    "/rules",
    operation_id="list_routing_rules",
    summary="List routing rules",
    description="The current version of every rule, in the order they are tried (lowest position first).",
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_rules(session: Session, _: Admin) -> list[RuleOut]:
    return await service.list_rules(session)


@router.post(
    "/rules",
    operation_id="create_routing_rule",
    summary="Create a routing rule",
    description=(
        "Conditions (all must hold; a list means any of): channels, categories (`waste.*` for a family), keywords "
        "or phrases in subject/body (accent- and case-insensitive, whole words), languages, whether the citizen "
        "has an OCMW case worker, a local time-of-day window. Actions: owning unit, priority, confidentiality, "
        "SLA policy, assignment (`queue`, `case_worker`, `named_staff`), tier. Honours `Idempotency-Key`."
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=RuleOut,
    responses=problem_responses(409, *AUTH_PROBLEMS),
)
async def create_rule(
    session: Session,
    actor: Admin,
    idempotency: IdempotencyGuard,
    data: Annotated[RuleIn, Body(examples=[RULE_EXAMPLE])],
    response: Response,
) -> RuleOut | JSONResponse:
    return await idempotency.create(
        response, lambda: service.create_rule(session, actor, data), lambda rule: f"/v1/routing/rules/{rule.id}"
    )


@router.put(
    "/rules/{rule_id}",
    operation_id="change_routing_rule",
    summary="Change a routing rule (new version)",
    description="Saves the rule as a new version; tickets routed earlier keep the version that routed them. "
    "Set `active: false` to switch a rule off.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def change_rule(session: Session, actor: Admin, rule_id: RuleId, data: RuleIn) -> RuleOut:
    return await service.change_rule(session, actor, rule_id, data)


@router.get(
    "/rules/{rule_id}",
    operation_id="get_routing_rule_history",
    summary="A rule's versions",
    description="Every version of one rule, oldest first.",
    responses=problem_responses(404, *AUTH_PROBLEMS),
)
async def rule_history(session: Session, _: Admin, rule_id: RuleId) -> RuleHistory:
    return await service.rule_history(session, rule_id)


@router.post(
    "/simulate",
    operation_id="simulate_routing",
    summary="Dry run: where would this contact go?",
    description="Routes a sketched contact with the current rules, or with a draft rule set, and explains the "
    "decision. With `use_suggested_category`, a sketch without a category is routed with the category the "
    "suggestion pre-selects, and the answer says which and why. Writes nothing.",
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def simulate(
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    viewer: TicketReader,
    data: Annotated[SimulateIn, Body(openapi_examples=SIMULATE_EXAMPLES)],
    language: ReaderLanguage,
) -> DecisionOut:
    return await service.simulate(session, settings, clock, data, language, viewer)


@router.post(
    "/replay",
    operation_id="replay_routing",
    summary="Replay recent tickets under a draft rule set",
    description="Routes the first contact of every ticket opened in the last N days again with the draft rules "
    "and reports, per unit, how many tickets it got and would get. Writes nothing.",
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def replay(
    session: Session, settings: AppSettings, clock: AppClock, _: Admin, data: ReplayIn, language: ReaderLanguage
) -> ReplayOut:
    return await service.replay(session, settings, clock, data, language)
