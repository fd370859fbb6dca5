"""Routing rules as data: versioned administration, the decision for a new ticket, dry runs and replays."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from genk3600.auth.principal import Principal
from genk3600.categories.repository import category_by_code
from genk3600.config import Settings
from genk3600.errors import Phrase, UnprocessableInput
from genk3600.i18n.catalogue import P_
from genk3600.i18n.names import load_names
from genk3600.i18n.texts import Message, legacy, render_message
from genk3600.kit.clock import Clock
from genk3600.models import Category, Citizen, RoutingRule, RoutingRuleVersion, Ticket, Unit
from genk3600.models.enums import OCMW_UNIT_KIND, Channel, Confidentiality, Language, TicketEventType, UnitKind
from genk3600.privacy.ocmw import SocialStaysInOcmw, is_ocmw_unit
from genk3600.reference.cache import CACHE
from genk3600.routing import repository
from genk3600.routing.errors import InvalidRuleReference, RuleNotFound
from genk3600.routing.rules import (
    Actions,
    AssignmentStrategy,
    Conditions,
    ContactFacts,
    Decision,
    Rule,
    UnitNames,
    matching_category,
    route,
)
from genk3600.routing.rules import decision as decision_of
from genk3600.routing.schemas import (
    ContactSketch,
    DecisionOut,
    ReplayIn,
    ReplayOut,
    RuleHistory,
    RuleIn,
    RuleOut,
    SimulateIn,
    SuggestedCategory,
    UnitShift,
)
from genk3600.sla.deadlines import start_clock
from genk3600.suggestions.schemas import SuggestionIn
from genk3600.suggestions.service import suggest
from genk3600.tickets import service as tickets
from genk3600.tickets.timeline import TimelineEntry

REPLAY_LIMIT = 100_000


# --- administration -------------------------------------------------------------------------------------------
async def create_rule(session: AsyncSession, actor: Principal, data: RuleIn) -> RuleOut:
    """A new rule, version 1."""
    await _check_references(session, data.actions)
    await _check_social(session, data)
    rule = RoutingRule()
    session.add(rule)
    await session.flush()
    return RuleOut.of(await _add_version(session, actor, rule.id, 1, data))


async def change_rule(session: AsyncSession, actor: Principal, rule_id: int, data: RuleIn) -> RuleOut:
    """Save a rule again: a new version; tickets keep the version that routed them."""
    current = await repository.current_version(session, rule_id)
    if current is None:
        raise RuleNotFound(rule_id)
    await _check_references(session, data.actions)
    await _check_social(session, data)
    await repository.retire(session, current.id)
    await session.flush()
    return RuleOut.of(await _add_version(session, actor, rule_id, current.version + 1, data))


async def list_rules(session: AsyncSession) -> list[RuleOut]:
    """The current version of every rule, in the order they are tried."""
    return [RuleOut.of(row) for row in await repository.current_versions(session)]


async def rule_history(session: AsyncSession, rule_id: int) -> RuleHistory:
    """Every version of one rule."""
    versions = await repository.history(session, rule_id)
    if not versions:
        raise RuleNotFound(rule_id)
    return RuleHistory(versions=[RuleOut.of(row) for row in versions])


async def _add_version(
    session: AsyncSession, actor: Principal, rule_id: int, version: int, data: RuleIn
) -> RoutingRuleVersion:
    row = RoutingRuleVersion(
        rule_id=rule_id,
        version=version,
        name=data.name,
        position=data.position,
        active=data.active,
        current=True,
        conditions=data.conditions.model_dump(mode="json", exclude_none=True),
        actions=data.actions.model_dump(mode="json", exclude_none=True),
        actor_name=actor.display_name,
    )
    session.add(row)
    await session.flush()
    return row


async def _check_references(session: AsyncSession, actions: Actions) -> None:
    names = await repository.unit_names(session)
    if actions.owning_unit not in names:
        raise InvalidRuleReference(
            P_("The rule sends tickets to unit {unit!r}, which does not exist."), params={"unit": actions.owning_unit}
        )
    if actions.assignee_staff_id is not None and not await repository.staff_exists(session, actions.assignee_staff_id):
        raise InvalidRuleReference(
            P_("The rule assigns staff member {staff_id}, who does not exist."),
            params={"staff_id": actions.assignee_staff_id},
        )
    if actions.sla_policy is not None and await repository.sla_policy_by_code(session, actions.sla_policy) is None:
        raise InvalidRuleReference(
            P_("The rule uses SLA policy {policy!r}, which does not exist."), params={"policy": actions.sla_policy}
        )


async def _check_social(session: AsyncSession, data: RuleIn) -> None:
    """Social tickets never leave the OCMW: a rule that makes tickets social, or names a social category,
    must send them to an OCMW unit (and assign them only to OCMW staff)."""
    units = {unit.code: unit for unit in await repository.all_units(session)}
    owner = units.get(data.actions.owning_unit)
    if owner is None:
        return  # _check_references said so already
    social_categories = [
        code
        for code in await repository.social_category_codes(session)
        if data.conditions.categories is not None and matching_category(data.conditions.categories, code)
    ]
    why: Phrase
    if data.actions.confidentiality is Confidentiality.social:
        why = Phrase(P_("marks tickets social"))
    elif len(social_categories) == 1:
        why = Phrase(P_("matches the social category {codes}"), codes=social_categories[0])
    elif social_categories:
        why = Phrase(P_("matches the social categories {codes}"), codes=", ".join(sorted(social_categories)))
    else:
        return
    if not is_ocmw_unit(owner):
        raise SocialStaysInOcmw(
            P_(
                "The rule {why}, but sends them to {unit}, which is not an OCMW unit (kind {kind!r}). Social "
                "(OCMW) tickets are need-to-know and never get a non-OCMW owner: send them to an OCMW service, "
                "or narrow the rule's categories."
            ),
            params={"why": why, "unit": owner.name, "kind": OCMW_UNIT_KIND},
            unit=owner.code,
        )
    staff_id = data.actions.assignee_staff_id
    if staff_id is not None and not await repository.is_ocmw_staff(session, staff_id):
        raise SocialStaysInOcmw(
            P_("The rule {why}, but assigns them to staff member {staff_id}, who does not work in an OCMW unit."),
            params={"why": why, "staff_id": staff_id},
            staff_id=staff_id,
        )


# --- deciding -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Routing:
    decision: Decision
    version_id: int | None  # the rule version that decided, kept on the ticket
    owner: Unit | None = None  # the unit the decision names (None: it no longer exists); the cache's shared row


def _as_rule(row: RoutingRuleVersion, rule_id: int | None = None) -> Rule:
    return Rule(
        id=rule_id if rule_id is not None else row.rule_id,
        version=row.version,
        name=row.name,
        position=row.position,
        active=row.active,
        conditions=Conditions.model_validate(row.conditions),
        actions=Actions.model_validate(row.actions),
    )


def _draft_rules(drafts: Sequence[RuleIn]) -> list[Rule]:
    """Draft rules get made-up ids (negative, so they can never be mistaken for stored ones)."""
    return [
        Rule(
            id=-(index + 1),
            version=1,
            name=draft.name,
            position=draft.position,
            active=draft.active,
            conditions=draft.conditions,
            actions=draft.actions,
        )
        for index, draft in enumerate(drafts)
    ]


@dataclass(frozen=True)
class _Context:
    rules: list[Rule]
    versions: dict[tuple[int, int], int]
    units: UnitNames
    front_office: str
    by_code: dict[str, Unit]


async def _context(session: AsyncSession, drafts: Sequence[RuleIn] | None = None) -> _Context:
    if drafts is None:
        # The current rules: reference data, from the in-process cache (reference/cache.py).
        return await CACHE.get(session, "routing", _current_context)
    return _context_of(await repository.all_units(session), [], drafts)


def _current_context(session: Session) -> _Context:
    units, rows = repository.load_routing_data(session)
    return _context_of(units, rows, None)


def _context_of(units: Sequence[Unit], rows: Sequence[RoutingRuleVersion], drafts: Sequence[RuleIn] | None) -> _Context:
    by_code = {unit.code: unit for unit in units}
    names = {unit.code: unit.name for unit in units}
    # The first active contact centre (lowest id), as units.repository.first_unit_of_kind chooses it.
    front_office = next((u for u in units if u.kind == UnitKind.contact_centre.value and u.active), None)
    if front_office is None:
        raise UnprocessableInput(
            P_(
                "No contact-centre unit is configured, so routing has no default; create a unit of kind "
                "'contact_centre'."
            )
        )
    if drafts is not None:
        return _Context(_draft_rules(drafts), {}, UnitNames(names), front_office.code, by_code)
    return _Context(
        [_as_rule(row) for row in rows],
        {(row.rule_id, row.version): row.id for row in rows},
        UnitNames(names),
        front_office.code,
        by_code,
    )


@dataclass(frozen=True)
class CategoryFacts:
    """What routing needs of a contact's category: its default owner and whether its tickets are social."""

    owner: str
    social: bool

    @classmethod
    def of(cls, category: Category | None) -> CategoryFacts | None:
        if category is None:
            return None
        return cls(category.owning_unit.code, category.confidentiality == Confidentiality.social.value)


def _decide(facts: ContactFacts, context: _Context, category: CategoryFacts | None) -> Decision:
    decision = route(facts, context.rules, context.units, context.front_office)
    if decision.rule_id is None and category is not None:
        # No rule spoke up: the category's own default owner, before the front office.
        decision = decision_of(
            None,
            None,
            "category default",
            Actions(owning_unit=category.owner),
            (Message("routing.matched.category", {"category": facts.category}),),
            Message("routing.category_default", {"category": facts.category, "unit": category.owner}),
            context.units,
        )
    return _kept_in_ocmw(decision, context, category)


def _kept_in_ocmw(decision: Decision, context: _Context, category: CategoryFacts | None) -> Decision:
    """Social tickets never leave the OCMW, whatever a rule says (rules written before that was checked, a rule
    without categories such as an evening line): the category's OCMW owner keeps it, else the first OCMW unit.
    Here, so that a dry run and a replay show what routing really does."""
    social = decision.actions.confidentiality is Confidentiality.social or (category is not None and category.social)
    owner = context.by_code.get(decision.actions.owning_unit)
    if not social or owner is None or is_ocmw_unit(owner):
        return decision
    by_category = context.by_code.get(category.owner) if category is not None else None
    if by_category is not None and is_ocmw_unit(by_category):
        kept: Unit | None = by_category
    else:
        kept = next((unit for unit in context.by_code.values() if is_ocmw_unit(unit) and unit.active), None)
    if kept is None:
        raise UnprocessableInput(
            P_("This contact is social, and no OCMW unit (kind {kind!r}) exists to own its ticket."),
            params={"kind": OCMW_UNIT_KIND},
        )
    text = Message("routing.kept_in_ocmw", {"explanation": decision.text.as_json(), "unit": kept.code})
    english = Message("routing.kept_in_ocmw", {"explanation": legacy(decision.explanation), "unit": kept.code})
    return replace(
        decision,
        actions=decision.actions.model_copy(update={"owning_unit": kept.code}),
        explanation=render_message(english, Language.en, context.units),
        text=text,
    )


def facts_of(
    settings: Settings,
    channel: Channel,
    category: str | None,
    subject: str,
    body: str,
    language: Language,
    citizen_has_case_worker: bool,
    at: datetime,
) -> ContactFacts:
    return ContactFacts(
        channel=channel,
        category=category,
        subject=subject,
        body=body,
        language=language,
        citizen_has_case_worker=citizen_has_case_worker,
        local_time=at.astimezone(settings.zone).time().replace(tzinfo=None),
    )


async def decide(session: AsyncSession, facts: ContactFacts, category: Category | None) -> Routing:
    """Where a new ticket goes, by the current rules; the category's owner if none matches."""
    context = await _context(session)
    decision = _decide(facts, context, CategoryFacts.of(category))
    version_id = None
    if decision.rule_id is not None and decision.rule_version is not None:
        version_id = context.versions.get((decision.rule_id, decision.rule_version))
    # The cached unit is shared by every request: a new ticket takes its id (add_ticket), nothing is merged.
    return Routing(decision, version_id, context.by_code.get(decision.actions.owning_unit))


async def simulate(
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    data: SimulateIn,
    language: Language = Language.en,
    viewer: Principal | None = None,
) -> DecisionOut:
    """A dry run: the decision and its explanation in `language`, nothing written."""
    context = await _context(session, data.rules)
    sketch, suggested = data.contact, None
    if data.use_suggested_category and sketch.category is None and viewer is not None:
        # Explicit only: the caller asked for it, and the answer says what was taken and why.
        if sketch.subject.strip() or sketch.body.strip():
            text = SuggestionIn(subject=sketch.subject or None, text=sketch.body or None)
            result = await suggest(session, settings, viewer, text, language)
            top = result.suggestions[0] if result.suggestions else None
            if top is not None and result.preselect == top.category:
                sketch = sketch.model_copy(update={"category": top.category})
                suggested = SuggestedCategory(
                    category=top.category,
                    name=top.name,
                    confidence=top.confidence,
                    reasons=[reason.word for reason in top.reasons],
                )
    facts = _sketch_facts(settings, sketch, clock.now())
    category = await _category_facts(session, sketch.category)
    decided = DecisionOut.of(_decide(facts, context, category), language, await load_names(session))
    return decided.model_copy(update={"suggested_category": suggested})


async def replay(
    session: AsyncSession, settings: Settings, clock: Clock, data: ReplayIn, language: Language = Language.en
) -> ReplayOut:
    """Route the last N days' tickets again under a draft rule set and count what would move."""
    context = await _context(session, data.rules)
    rows = await repository.recent_first_contacts(session, clock.now() - timedelta(days=data.days), REPLAY_LIMIT)
    categories: dict[str, CategoryFacts | None] = {}
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    moved = 0
    for contact, category, routed_to, has_case_worker in rows:
        if category is not None and category not in categories:
            categories[category] = await _category_facts(session, category)
        facts = facts_of(
            settings,
            Channel(contact.channel),
            category,
            contact.subject or "",
            contact.body,
            Language(contact.language),
            has_case_worker,
            contact.occurred_at,
        )
        now_to = _decide(facts, context, categories.get(category) if category else None).actions.owning_unit
        then_to = routed_to or now_to
        before[then_to] += 1
        after[now_to] += 1
        moved += now_to != then_to
    units = sorted(set(before) | set(after))
    names = await load_names(session)
    return ReplayOut(
        tickets=len(rows),
        would_move=moved,
        per_unit=[
            UnitShift(unit=unit, unit_name=names.unit(unit, language), before=before[unit], after=after[unit])
            for unit in units
        ],
    )


def _sketch_facts(settings: Settings, sketch: ContactSketch, now: datetime) -> ContactFacts:
    return facts_of(
        settings,
        sketch.channel,
        sketch.category,
        sketch.subject,
        sketch.body,
        sketch.language,
        sketch.citizen_has_case_worker,
        sketch.at or now,
    )


async def _category_facts(session: AsyncSession, code: str | None) -> CategoryFacts | None:
    return CategoryFacts.of(await category_by_code(session, code)) if code is not None else None


# --- opening a routed ticket ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketDraft:
    subject: str
    language: Language
    category: Category | None
    citizen: Citizen | None


@dataclass(frozen=True)
class RoutedTicket:
    ticket: Ticket  # its owning unit and category set by id only: they are `owner` and `category`
    decision: Decision
    version_id: int | None
    assignment_note: Message | None  # why this assignee, or why the queue instead
    access_code: str  # shown to the citizen once; the ticket keeps only its hash
    # The reference cache's shared rows (read them, never change them): names for the answer and the mail.
    owner: Unit
    category: Category | None


async def open_routed_ticket(
    session: AsyncSession, settings: Settings, facts: ContactFacts, draft: TicketDraft, now: datetime
) -> RoutedTicket:
    """Open a ticket where the rules send it, assigned as they and continuity of care say, with its SLA clock.

    The ticket is not written, nor added to the session: the caller writes it together with its first contact
    (tickets/repository.write_opened), or adds the contact to the session, which brings the ticket along for the
    next flush. Its unit, category and SLA policy are the reference cache's shared rows, given to it by id: no
    request merges a copy of them (#16)."""
    routed = await decide(session, facts, draft.category)
    actions = routed.decision.actions
    owner = routed.owner
    if owner is None:  # the unit was removed after the rule was written
        raise UnprocessableInput(
            P_("Routing sends this contact to unit {unit!r}, which does not exist."),
            params={"unit": actions.owning_unit},
        )
    category = draft.category
    # decide() already kept a social ticket in the OCMW (_kept_in_ocmw).
    social = actions.confidentiality is Confidentiality.social or (
        category is not None and category.confidentiality == Confidentiality.social.value
    )
    case_worker_id = draft.citizen.case_worker_id if draft.citizen else None
    assignee, note = await _assignee(session, actions, case_worker_id, social)
    policy = None
    # Reference data, from the in-process cache (sla/repository.cached_policy): no query per ticket.
    if actions.sla_policy is not None:
        policy = await repository.sla_policy_by_code(session, actions.sla_policy)
    elif category is not None and category.sla_policy_id is not None:
        policy = await repository.sla_policy_by_id(session, category.sla_policy_id)
    # Deadlines and access code are set before the ticket is written, so it takes one INSERT, not an INSERT
    # and an UPDATE (the calendar query inside start_clock would otherwise flush the new ticket early).
    with session.no_autoflush:
        ticket = await tickets.add_ticket(
            session,
            settings,
            tickets.NewTicket(
                subject=draft.subject,
                language=draft.language,
                owning_unit=owner,
                category=category,
                citizen=draft.citizen,
                priority=actions.priority,
                confidentiality=actions.confidentiality,
                tier=actions.tier,
                assignee_staff_id=assignee,
                routing_rule_version_id=routed.version_id,
                by_id=True,
            ),
            now,
        )
        await start_clock(session, settings, ticket, policy, now)
        code = tickets.issue_access_code(settings, ticket)
    return RoutedTicket(ticket, routed.decision, routed.version_id, note, code, owner, category)


async def _assignee(
    session: AsyncSession, actions: Actions, case_worker_id: int | None, social: bool
) -> tuple[int | None, Message | None]:
    """Continuity of care (maatzorg): social tickets go straight to the citizen's own case worker."""
    if actions.assignment is AssignmentStrategy.named_staff and actions.assignee_staff_id is not None:
        named = await repository.staff_by_id(session, actions.assignee_staff_id)
        if social and named is not None and not await repository.is_ocmw_staff(session, named.id):
            return None, Message("routing.outside_ocmw", {"assignee": named.full_name})
        if named is not None and named.active and not named.absent:
            return named.id, Message("routing.assigned_by_rule", {"assignee": named.full_name})
        return None, Message("routing.named_staff_away")
    if case_worker_id is not None and (social or actions.assignment is AssignmentStrategy.case_worker):
        worker = await repository.staff_by_id(session, case_worker_id)
        if worker is not None and worker.active and not worker.absent:
            return worker.id, Message("routing.assigned_case_worker", {"assignee": worker.full_name})
        return None, Message("routing.case_worker_absent", {"assignee": worker.full_name if worker else "?"})
    return None, None


def routing_entries(routed: RoutedTicket) -> list[TimelineEntry]:
    """The decision and the assignment for the timeline, each in a sentence a person understands."""
    decision, ticket = routed.decision, routed.ticket
    entries = [
        TimelineEntry(
            TicketEventType.routed,
            decision.text,
            {
                "rule_id": decision.rule_id,
                "rule_version": decision.rule_version,
                "rule_name": decision.rule_name,
                "matched": list(decision.matched),
                "owning_unit": decision.actions.owning_unit,
                "tier": ticket.tier,
                "priority": ticket.priority,
                "confidentiality": ticket.confidentiality,
            },
        )
    ]
    if routed.assignment_note is not None:
        entries.append(
            TimelineEntry(
                TicketEventType.assigned,
                routed.assignment_note,
                {"assignee_staff_id": ticket.assignee_staff_id, "via": "routing"},
            )
        )
    return entries
