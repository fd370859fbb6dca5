"""The citizen's status page, on real PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.config import Settings
from genk3600.kit.clock import FixedClock
from genk3600.kit.reference import format_reference
from genk3600.models import CategoryDecider, Contact, Escalation, RateLimitBucket, Ticket, Unit
from genk3600.models.enums import Language
from genk3600.public.access import new_access_code
from genk3600.public.service import public_role, role_sentence
from tests.factories import World, assert_problem, citizen, web_contact

PATH = "/v1/public/tickets/{reference}"
SOCIAL_NL = "Uw maatschappelijk werker behandelt uw vraag."
FAR_AWAY = datetime(2030, 11, 29, 11, 0, tzinfo=UTC)  # Friday 29 November 2030, 12:00 in Brussels
_numbers = itertools.count(900_001)


async def make_ticket(
    session: AsyncSession,
    settings: Settings,
    unit: Unit,
    *,
    subject: str = "Grofvuil niet opgehaald",
    channel: str | None = "web",
    **fields: Any,
) -> tuple[Ticket, str]:
    """A ticket with an access code, opened by an inbound contact on `channel` (None: no contact);
    returns the ticket and the code the citizen was given."""
    code, code_hash = new_access_code(settings.secret)
    fields.setdefault("resolution_due_at", FAR_AWAY)
    fields.setdefault("access_code_hash", code_hash)
    ticket = Ticket(reference=format_reference(2026, next(_numbers)), subject=subject, owning_unit_id=unit.id, **fields)
    session.add(ticket)
    await session.flush()
    if channel is not None:
        language = fields.get("language", "nl")
        opened_at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        body = f"{subject} (the contact's body)"
        session.add(
            Contact(
                ticket_id=ticket.id,
                channel=channel,
                language=language,
                subject=subject,
                body=body,
                occurred_at=opened_at,
                actor_name="test",
            )
        )
        await session.flush()
    return ticket, code


async def lookup(client: httpx.AsyncClient, reference: str, code: str, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", None)
    return await client.get(PATH.format(reference=reference), params={"code": code, **kwargs}, headers=headers)


async def test_dutch_status_in_plain_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(
        session, settings, world.burgerzaken, category_id=world.id_card.id, subject="Aanvraag nieuwe identiteitskaart."
    )
    session.add(CategoryDecider(category_id=world.id_card.id, unit_id=world.burgerzaken.id))
    await session.flush()

    response = await lookup(client, ticket.reference, code)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "language": "nl",
        "reference": ticket.reference,
        "status_text": "Wij hebben uw vraag ontvangen. Een medewerker bekijkt ze binnenkort.",
        "registered": "Wij hebben uw vraag genoteerd: “Aanvraag nieuwe identiteitskaart”.",
        "handled_by": "Burgerzaken",
        "role": "De dienst Burgerzaken beslist over uw aanvraag.",
        "staff_name": None,
        "your_part": "U hoeft nu niets te doen.",
        "expected_answer": "U krijgt een antwoord ten laatste op vrijdag 29 november 2030 om 12:00.",
        "updated_at": body["updated_at"],
        "latest_answer": None,  # nobody answered yet
    }
    assert datetime.fromisoformat(body["updated_at"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("language", "status_text", "role", "your_part", "expected_answer"),
    [
        (
            "nl",
            "Een medewerker werkt aan uw vraag.",
            "De dienst Omgeving behandelt uw aanvraag.",
            "U hoeft nu niets te doen.",
            "U krijgt een antwoord ten laatste op vrijdag 29 november 2030 om 12:00.",
        ),
        (
            "fr",
            "Un collaborateur travaille sur votre demande.",
            "Le service Omgeving traite votre demande.",
            "Vous n'avez rien à faire pour le moment.",
            "Vous recevrez une réponse au plus tard le vendredi 29 novembre 2030 à 12:00.",
        ),
        (
            "en",
            "A staff member is working on your question.",
            "The Omgeving department is handling your request.",
            "You do not need to do anything now.",
            "You will get an answer by Friday, 29 November 2030 at 12:00 at the latest.",
        ),
        (
            "de",
            "Eine Mitarbeiterin oder ein Mitarbeiter arbeitet an Ihrer Anfrage.",
            "Die Dienststelle Omgeving bearbeitet Ihren Antrag.",
            "Sie müssen im Moment nichts tun.",
            "Sie bekommen spätestens am Freitag, 29. November 2030 um 12:00 eine Antwort.",
        ),
    ],
)
async def test_all_four_languages(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    language: str,
    status_text: str,
    role: str,
    your_part: str,
    expected_answer: str,
) -> None:
    ticket, code = await make_ticket(session, settings, world.omgeving, status="in_progress", language=language)

    body = (await lookup(client, ticket.reference, code)).json()

    assert body["language"] == language  # the citizen's own language when the request asks for none
    assert body["status_text"] == status_text
    assert body["role"] == role
    assert body["your_part"] == your_part
    assert body["expected_answer"] == expected_answer
    assert "Grofvuil niet opgehaald" in body["registered"]


async def test_accept_language_overrides_the_citizens_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.omgeving, language="nl")

    response = await lookup(client, ticket.reference, code, headers={"Accept-Language": "fr-BE,fr;q=0.9"})

    assert response.json()["language"] == "fr"
    assert response.json()["your_part"] == "Vous n'avez rien à faire pour le moment."


async def test_lang_parameter_wins_over_accept_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.omgeving, language="nl")

    response = await lookup(client, ticket.reference, code, lang="de", headers={"Accept-Language": "fr-BE,fr;q=0.9"})

    assert response.json()["language"] == "de"
    assert response.json()["your_part"] == "Sie müssen im Moment nichts tun."


async def test_unsupported_accept_language_falls_back_to_the_citizens_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.omgeving, language="en")

    response = await lookup(client, ticket.reference, code, headers={"Accept-Language": "es-ES,es;q=0.9"})

    assert response.json()["language"] == "en"
    assert_problem(await lookup(client, ticket.reference, code, lang="es"), 422)


async def test_code_may_be_typed_loosely_and_reference_in_lower_case(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.omgeving)

    response = await lookup(client, ticket.reference.lower(), " " + code.lower().replace("-", " ") + " ")

    assert response.status_code == 200, response.text
    assert response.json()["reference"] == ticket.reference


def _without_request_specifics(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return {key: value for key, value in body.items() if key not in ("instance", "request_id")}


async def test_wrong_code_and_unknown_reference_are_indistinguishable(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.omgeving)
    other_code, _ = new_access_code(settings.secret)
    without_code, _ = await make_ticket(session, settings, world.omgeving, access_code_hash=None)

    wrong_code = await lookup(client, ticket.reference, other_code)
    unknown = await lookup(client, "G3600-2026-999999", code)
    no_code_yet = await lookup(client, without_code.reference, code)
    malformed = await lookup(client, "not-a-reference", code)

    first = assert_problem(wrong_code, 404)
    assert first["detail"] == "No ticket matches this reference and access code."
    assert first["message"] == (
        "Wij vinden geen vraag met dit nummer en deze code. Kijk beide na en probeer het opnieuw."
    )
    for response in (unknown, no_code_yet, malformed):
        assert_problem(response, 404)
        assert _without_request_specifics(response) == _without_request_specifics(wrong_code)
        assert set(response.headers) == set(wrong_code.headers)
    assert ticket.reference not in wrong_code.text.replace(first["instance"], "")
    # The language of the answer comes from the request only, never from the ticket it did not open.
    french = await lookup(client, ticket.reference, other_code, lang="fr")
    assert french.json()["message"].startswith("Nous ne trouvons pas")


def _sentences(body: dict[str, Any]) -> list[str]:
    """Every text of the answer meant to be read (not the codes, not the time stamp)."""
    return [value for key, value in body.items() if key not in ("language", "reference", "updated_at") and value]


async def test_social_ticket_reveals_nothing_beyond_the_fixed_sentence(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, app: FastAPI
) -> None:
    subject = "Leefloon aangevraagd wegens schulden"
    client_of_ocmw = await citizen(session, case_worker_id=world.agent.id)
    ticket, code = await make_ticket(
        session,
        settings,
        world.sociale_dienst,
        subject=subject,
        category_id=world.living_wage.id,
        confidentiality="social",
        status="waiting_on_citizen",
        assignee_staff_id=world.agent.id,
        citizen_id=client_of_ocmw.id,
    )
    app.state.settings = settings.model_copy(update={"public_show_staff_names": True})

    for language, sentence in (("nl", SOCIAL_NL), ("fr", "Votre assistant social traite votre demande.")):
        response = await lookup(client, ticket.reference, code, lang=language)

        assert response.status_code == 200, response.text
        body = response.json()
        assert _sentences(body) == [sentence]  # said once, as the status
        assert body["status_text"] == sentence
        assert response.text.count(sentence) == 1
        for secret in (subject, "Leefloon", "Sociale Dienst", world.agent.full_name, "wacht", "2030"):
            assert secret not in response.text


@pytest.mark.parametrize("citizen_known", [True, False])
async def test_social_ticket_of_a_citizen_without_case_worker_does_not_promise_one(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, citizen_known: bool
) -> None:
    without = await citizen(session) if citizen_known else None
    ticket, code = await make_ticket(
        session,
        settings,
        world.sociale_dienst,
        category_id=world.living_wage.id,
        confidentiality="social",
        citizen_id=without.id if without else None,
    )

    dutch = await lookup(client, ticket.reference, code, lang="nl")
    french = await lookup(client, ticket.reference, code, lang="fr")

    assert _sentences(dutch.json()) == ["De sociale dienst van het OCMW behandelt uw vraag."]
    assert "maatschappelijk werker" not in dutch.text
    assert _sentences(french.json()) == ["Le service social du CPAS traite votre demande."]
    assert "assistant social" not in french.text


async def test_each_sentence_once(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(session, settings, world.contact_centre, category_id=world.waste.id)

    body = (await lookup(client, ticket.reference, code, lang="nl")).json()

    sentences = _sentences(body)
    assert len(sentences) == len(set(sentences)) == 6, sentences  # status, registered, unit, role, part, answer
    assert body["role"] == "Het contactcenter registreert uw vraag en geeft u informatie."
    assert sum(text.count("registreert uw vraag") for text in sentences) == 1


PHONE_SUMMARY = "Vraagt of ze haar grofvuil mag buitenzetten; buurman klaagt over geurhinder, intern: nakijken"


async def test_phone_ticket_shows_the_category_not_the_agents_summary(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, writer_headers: dict[str, str]
) -> None:
    world.waste.names = {"nl": "Grofvuil ophalen", "fr": "Enlèvement des encombrants"}
    await session.flush()
    phone = {
        "channel": "phone",
        "category": "waste.pickup",
        "summary": PHONE_SUMMARY,
        "citizen": {"email": "jan.janssens@example.org"},
    }
    created = await client.post("/v1/contacts", json=phone, headers=writer_headers)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    ticket = await session.scalar(select(Ticket).where(Ticket.reference == reference))
    assert ticket is not None
    assert ticket.subject.startswith("Vraagt of ze")  # the subject staff gave it: the summary's start
    code, ticket.access_code_hash = new_access_code(settings.secret)
    await session.flush()

    for language, registered in (
        ("nl", "Wij hebben uw vraag genoteerd. Onderwerp: Grofvuil ophalen."),
        ("fr", "Nous avons noté votre demande. Sujet : Enlèvement des encombrants."),
    ):
        response = await lookup(client, reference, code, lang=language)
        assert response.status_code == 200, response.text
        assert response.json()["registered"] == registered
        for internal in ("Vraagt of ze", "buurman", "intern", ticket.subject):
            assert internal not in response.text

    # The /status page is a static page that fills itself from this JSON: it carries no ticket data itself.
    page = await client.get("/status", params={"reference": reference, "code": code})
    assert page.status_code == 200
    assert "Vraagt of ze" not in page.text


@pytest.mark.parametrize("channel", ["counter", "home_visit", None])
async def test_staff_written_subject_is_never_shown(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, channel: str | None
) -> None:
    ticket, code = await make_ticket(
        session, settings, world.burgerzaken, subject="Klant twijfelt, dossier intern bekijken", channel=channel
    )

    response = await lookup(client, ticket.reference, code, lang="nl")

    assert response.json()["registered"] == "Wij hebben uw vraag genoteerd."  # no category: nothing more
    assert "twijfelt" not in response.text


async def test_expected_answer_in_brussels_time_across_summer_time(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    # Same UTC hour, either side of the switch to summer time on 31 March 2030.
    winter, winter_code = await make_ticket(
        session, settings, world.omgeving, resolution_due_at=datetime(2030, 3, 29, 8, 30, tzinfo=UTC)
    )
    summer, summer_code = await make_ticket(
        session, settings, world.omgeving, resolution_due_at=datetime(2030, 4, 1, 8, 30, tzinfo=UTC)
    )

    before = (await lookup(client, winter.reference, winter_code)).json()["expected_answer"]
    after = (await lookup(client, summer.reference, summer_code)).json()["expected_answer"]

    assert before == "U krijgt een antwoord ten laatste op vrijdag 29 maart 2030 om 09:30."
    assert after == "U krijgt een antwoord ten laatste op maandag 1 april 2030 om 10:30."


async def test_waiting_on_citizen_asks_for_information(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    ticket, code = await make_ticket(
        session, settings, world.omgeving, status="waiting_on_citizen", paused_at=datetime(2026, 11, 20, tzinfo=UTC)
    )

    body = (await lookup(client, ticket.reference, code)).json()

    assert body["status_text"] == "Wij wachten op informatie van u."
    assert body["your_part"].startswith("Wij wachten op informatie van u. ")
    assert body["expected_answer"] == "Zodra wij uw informatie hebben, werken wij verder aan uw vraag."


async def test_resolved_and_late_tickets(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    resolved, resolved_code = await make_ticket(
        session, settings, world.omgeving, status="resolved", resolved_at=datetime(2026, 7, 6, 13, 15, tzinfo=UTC)
    )
    late, late_code = await make_ticket(
        session, settings, world.omgeving, resolution_due_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    )
    undated, undated_code = await make_ticket(session, settings, world.omgeving, resolution_due_at=None)

    done = (await lookup(client, resolved.reference, resolved_code)).json()
    assert done["status_text"] == "Uw vraag is afgehandeld."
    assert done["your_part"] == "U hoeft niets meer te doen."
    assert done["expected_answer"] == "Wij hebben uw vraag afgehandeld op maandag 6 juli 2026 om 15:15."
    overdue = (await lookup(client, late.reference, late_code)).json()
    assert overdue["expected_answer"] == "Ons antwoord is te laat. Het spijt ons. Wij antwoorden u zo snel mogelijk."
    unknown = (await lookup(client, undated.reference, undated_code)).json()
    assert unknown["expected_answer"] == "Wij antwoorden u zo snel mogelijk."


async def _escalate(session: AsyncSession, ticket: Ticket, source: Unit, target: Unit, role: str, reason: str) -> None:
    session.add(
        Escalation(
            ticket_id=ticket.id,
            from_unit_id=source.id,
            to_unit_id=target.id,
            from_tier=1,
            to_tier=2,
            reason=reason,
            requested_role=role,
            actor_name="test",
        )
    )
    await session.flush()


async def test_role_sentences(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    front, front_code = await make_ticket(session, settings, world.contact_centre)
    asked_to_decide, decide_code = await make_ticket(session, settings, world.omgeving)
    await _escalate(session, asked_to_decide, world.contact_centre, world.omgeving, "deciding", "needs_decision")
    asked_to_advise, advise_code = await make_ticket(session, settings, world.burgerzaken, category_id=world.id_card.id)
    session.add(CategoryDecider(category_id=world.id_card.id, unit_id=world.burgerzaken.id))
    await _escalate(session, asked_to_advise, world.omgeving, world.burgerzaken, "deciding", "needs_decision")
    await _escalate(session, asked_to_advise, world.omgeving, world.burgerzaken, "advising", "needs_expertise")
    returned, returned_code = await make_ticket(session, settings, world.contact_centre)
    await _escalate(session, returned, world.omgeving, world.contact_centre, "advising", "returned")

    async def role(ticket: Ticket, code: str) -> str:
        body = (await lookup(client, ticket.reference, code)).json()
        return str(body["role"])

    assert await role(front, front_code) == "Het contactcenter registreert uw vraag en geeft u informatie."
    assert await role(asked_to_decide, decide_code) == "De dienst Omgeving beslist over uw aanvraag."
    # The latest hand-off asked for advice: that wins over the unit's standing authority.
    assert await role(asked_to_advise, advise_code) == (
        "De dienst Burgerzaken geeft advies over uw aanvraag. Een andere dienst beslist daarna."
    )
    # A return to the front office asks nothing of it.
    assert await role(returned, returned_code) == "Het contactcenter registreert uw vraag en geeft u informatie."


@pytest.mark.parametrize(
    ("kind", "decides", "requested", "expected"),
    [
        ("department", False, None, "handling"),
        ("department", True, None, "deciding"),
        ("ocmw_service", False, "deciding", "deciding"),
        ("department", True, "advising", "advising"),
        ("contact_centre", False, None, "front_office"),
        ("quick_desk", False, None, "front_office"),
        ("quick_desk", True, None, "deciding"),
    ],
)
def test_public_role_rule(kind: str, decides: bool, requested: str | None, expected: str) -> None:
    assert public_role(kind, unit_decides=decides, requested_role=requested) == expected


def test_role_sentence_for_mails() -> None:
    assert role_sentence("nl", "Burgerzaken", "department", unit_decides=True, requested_role=None) == (
        "De dienst Burgerzaken beslist over uw aanvraag."
    )
    assert role_sentence(Language.de, "X", "reception", unit_decides=False, requested_role=None) == (
        "Unser Schalter nimmt Ihre Anfrage auf und gibt Ihnen Auskunft."
    )
    assert role_sentence("en", "X", "department", unit_decides=True, requested_role=None, social=True) == (
        "Your case worker is handling your question."
    )


async def test_staff_names_only_when_configured(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, app: FastAPI
) -> None:
    ticket, code = await make_ticket(
        session, settings, world.contact_centre, status="assigned", assignee_staff_id=world.agent.id
    )

    hidden = await lookup(client, ticket.reference, code)
    app.state.settings = settings.model_copy(update={"public_show_staff_names": True})
    shown = await lookup(client, ticket.reference, code)

    assert hidden.json()["staff_name"] is None
    assert world.agent.full_name not in hidden.text
    assert shown.json()["staff_name"] == world.agent.full_name


async def test_ticket_opened_through_the_contacts_api(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, writer_headers: dict[str, str]
) -> None:
    created = await client.post("/v1/contacts", json=web_contact(), headers=writer_headers)
    assert created.status_code == 201, created.text
    reference = created.json()["ticket"]["reference"]
    ticket = await session.scalar(select(Ticket).where(Ticket.reference == reference))
    assert ticket is not None
    code, ticket.access_code_hash = new_access_code(settings.secret)
    await session.flush()

    response = await lookup(client, reference, code, lang="en")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["registered"] == "We registered your question: “Grofvuil niet opgehaald”."
    assert body["handled_by"] == "Omgeving"
    assert "Mijn grofvuil staat er nog" not in response.text  # the contact's body is not shown


@pytest.fixture
def frozen_clock(clock: FixedClock) -> datetime:
    """The app's clock at 23 seconds into a minute, so the Retry-After is known."""
    now = datetime(2026, 11, 23, 12, 0, 23, tzinfo=UTC)
    clock.set(now)
    return now


async def test_too_many_lookups_from_one_address(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    frozen_clock: datetime,
    clock: FixedClock,
) -> None:
    monkeypatch.setattr(app.state, "settings", settings.model_copy(update={"public_lookups_per_address": 3}))
    ticket, code = await make_ticket(session, settings, world.omgeving)
    wrong, _ = new_access_code(settings.secret)

    # Misses count too, although their transaction is rolled back.
    for reference in (ticket.reference, "G3600-2026-999998", ticket.reference):
        assert (await lookup(client, reference, wrong)).status_code == 404
    refused = await lookup(client, ticket.reference, code, lang="fr")

    problem = assert_problem(refused, 429)
    assert refused.headers["retry-after"] == "37"  # to 12:01:00
    assert problem["retry_after"] == 37
    assert problem["message"] == "Vous avez essayé trop souvent. Réessayez dans une minute."
    # The next window starts afresh.
    clock.set(frozen_clock + timedelta(seconds=37))
    assert (await lookup(client, ticket.reference, code)).status_code == 200


async def test_too_many_lookups_of_one_reference_from_anywhere(
    app: FastAPI,
    session: AsyncSession,
    settings: Settings,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    frozen_clock: datetime,
) -> None:
    monkeypatch.setattr(app.state, "settings", settings.model_copy(update={"public_lookups_per_reference": 2}))
    ticket, code = await make_ticket(session, settings, world.omgeving)
    other, other_code = await make_ticket(session, settings, world.omgeving)

    statuses = []
    for number in range(3):
        transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{number + 1}", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://genk3600.test") as client:
            statuses.append((await lookup(client, ticket.reference, code)).status_code)
            statuses.append((await lookup(client, other.reference.lower(), other_code)).status_code)

    assert statuses == [200, 200, 200, 200, 429, 429]


async def test_old_buckets_are_cleaned_up(
    client: httpx.AsyncClient, session: AsyncSession, world: World, frozen_clock: datetime
) -> None:
    old = frozen_clock.replace(second=0) - timedelta(hours=2)
    recent = frozen_clock.replace(second=0) - timedelta(minutes=30)
    session.add_all(
        [
            RateLimitBucket(key="public:address:198.51.100.7", window_start=old, hits=4),
            RateLimitBucket(key="public:address:198.51.100.8", window_start=recent, hits=4),
        ]
    )
    await session.flush()

    await lookup(client, "G3600-2026-999997", "ABCD-EFGH-JK")

    windows = set((await session.scalars(select(RateLimitBucket.window_start))).all())
    assert old not in windows
    assert recent in windows
    assert frozen_clock.replace(second=0) in windows
    hits = await session.scalars(select(RateLimitBucket.hits).where(RateLimitBucket.window_start > recent))
    assert sorted(hits) == [1, 1]  # one for the address, one for the reference


async def test_openapi_documents_the_public_operation(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    operation = spec["paths"]["/v1/public/tickets/{reference}"]["get"]
    assert operation["operationId"] == "get_public_ticket_status"
    assert operation["tags"] == ["public"]
    assert "security" not in operation
    assert {"404", "422", "429", "200"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert operation["responses"]["404"]["content"]["application/problem+json"]["example"]["status"] == 404
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "reference",
        "code",
        "lang",
        "Accept-Language",
    }
    schema = spec["components"]["schemas"]["PublicTicketStatus"]
    assert schema["examples"][0]["role"] == "De dienst Burgerzaken beslist over uw aanvraag."
