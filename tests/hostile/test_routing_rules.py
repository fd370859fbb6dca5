"""Property-based: any condition document is either refused with a clear 422 or accepted and evaluable.

First against the pure engine (`Conditions` + `route`), then through the API's dry run with a draft rule
set, where the refusal must be a 422 naming the failing field inside the rule.
"""

from __future__ import annotations

import asyncio
import json
from datetime import time
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from genk3600.models.enums import Channel, Language
from genk3600.routing.rules import Actions, Conditions, ContactFacts, Rule, UnitNames, route
from tests import factories
from tests.hostile.strategies import bounded, hostile_json, hostile_text

BOUNDED = bounded(150)


def _maybe_hostile(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, hostile_json())


def _times() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.times().map(time.isoformat),
        st.times(timezones=st.just(time(0).tzinfo) | st.timezones()).map(time.isoformat),
        st.sampled_from(["24:00", "25:61", "12:00:00+01:00", "noon", "", "T12"]),
    )


def condition_documents() -> st.SearchStrategy[Any]:
    """Documents shaped like conditions (each field well-typed or hostile), plus anything at all."""
    fields = {
        "channels": _maybe_hostile(st.lists(st.sampled_from([c.value for c in Channel] + ["fax"]), max_size=3)),
        "categories": _maybe_hostile(
            st.lists(st.from_regex(r"\A[a-z]{1,6}(\.[a-z_]{1,6}){0,2}(\.\*)?\Z") | hostile_text(), max_size=3)
        ),
        "keywords": _maybe_hostile(st.lists(hostile_text(), max_size=3)),
        "languages": _maybe_hostile(st.lists(st.sampled_from([lang.value for lang in Language] + ["xx"]), max_size=2)),
        "citizen_has_case_worker": _maybe_hostile(st.booleans()),
        "local_time_from": _maybe_hostile(_times()),
        "local_time_until": _maybe_hostile(_times()),
        "unexpected": hostile_json(),
    }
    return st.one_of(
        st.fixed_dictionaries({}, optional=fields), st.fixed_dictionaries({}, optional=fields), hostile_json()
    )


def contact_facts() -> st.SearchStrategy[ContactFacts]:
    return st.builds(
        ContactFacts,
        channel=st.sampled_from(list(Channel)),
        category=st.none() | st.from_regex(r"\A[a-z]{1,6}(\.[a-z_]{1,6}){0,2}\Z"),
        subject=hostile_text(),
        body=hostile_text(),
        language=st.sampled_from(list(Language)),
        citizen_has_case_worker=st.booleans(),
        local_time=st.times(),
    )


@given(document=condition_documents(), facts=contact_facts())
@BOUNDED
def test_any_condition_document_is_refused_or_evaluable(document: Any, facts: ContactFacts) -> None:
    try:
        conditions = Conditions.model_validate(document)
    except ValidationError as refused:
        errors = refused.errors()
        assert errors, document  # a refusal names what is wrong
        return
    rule = Rule(
        id=1,
        version=1,
        name="hostile",
        position=0,
        active=True,
        conditions=conditions,
        actions=Actions(owning_unit="omgeving"),
    )
    decision = route(facts, [rule], UnitNames({"omgeving": "Omgeving"}), "contact_centre")
    assert decision.rule_id in (1, None)
    assert decision.actions.owning_unit == ("omgeving" if decision.rule_id == 1 else "contact_centre")
    assert decision.explanation
    # Accepted conditions survive their own round trip through storage (JSON) unchanged.
    assert Conditions.model_validate_json(conditions.model_dump_json()) == conditions


async def test_draft_rules_with_hostile_conditions_simulate_or_answer_422(
    client: httpx.AsyncClient, world: factories.World, admin_headers: dict[str, str]
) -> None:
    loop = asyncio.get_running_loop()
    headers = {**admin_headers, "Content-Type": "application/json"}
    outcomes: dict[int, int] = {}

    @given(document=condition_documents(), subject=hostile_text())
    @settings(BOUNDED, max_examples=60)
    def dry_run(document: Any, subject: str) -> None:
        body = {
            "contact": {"channel": "web", "category": "waste.pickup", "subject": subject, "body": subject},
            "rules": [
                {"name": "hostile", "position": 0, "conditions": document, "actions": {"owning_unit": "omgeving"}}
            ],
        }
        request = client.post("/v1/routing/simulate", content=json.dumps(body).encode(), headers=headers)
        response = asyncio.run_coroutine_threadsafe(request, loop).result(timeout=60)
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        assert response.status_code in (200, 422), (document, response.text)
        if response.status_code == 422:
            problem = factories.assert_problem(response, 422)
            assert all(error["field"].startswith("body.") for error in problem["errors"]), problem

    await asyncio.to_thread(dry_run)
    # Both sides were exercised: some drafts were evaluated, some refused.
    assert outcomes.get(200, 0) > 0, outcomes
    assert outcomes.get(422, 0) > 0, outcomes
