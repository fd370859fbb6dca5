from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.tokens import issue_dev_token
from genk3600.config import Settings
from genk3600.kit.clock import Clock, FixedClock
from genk3600.models import ApiClient
from tests import factories
from tests.factories import World, assert_problem, web_contact


def _claims(settings: Settings, clock: Clock, email: str, **overrides: object) -> dict[str, object]:
    now = clock.now()
    claims: dict[str, object] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": email,
        "email": email,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return claims


async def test_missing_credentials_is_401(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get("/v1/tickets"), 401)
    assert "API key" in problem["detail"]


async def test_unknown_key_is_401(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/tickets", headers={"X-API-Key": "g3600_nope"}), 401)
    assert_problem(await client.get("/v1/tickets", headers={"Authorization": "Bearer g3600_nope"}), 401)
    assert_problem(await client.get("/v1/tickets", headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401)


async def test_revoked_key_is_401(client: httpx.AsyncClient, session: AsyncSession) -> None:
    key = await factories.api_key(session, "revoked", ["tickets:read"])
    assert (await client.get("/v1/tickets", headers={"X-API-Key": key})).status_code == 200
    await session.execute(update(ApiClient).where(ApiClient.name == "revoked").values(active=False))
    await session.flush()
    assert_problem(await client.get("/v1/tickets", headers={"X-API-Key": key}), 401)


async def test_wrong_scope_is_403(client: httpx.AsyncClient, session: AsyncSession, world: World) -> None:
    reader = {"X-API-Key": await factories.api_key(session, "reader", ["tickets:read"])}
    problem = assert_problem(await client.post("/v1/contacts", json=web_contact(), headers=reader), 403)
    assert "contacts:write" in problem["detail"]
    assert_problem(await client.get("/v1/units", headers=reader), 403)


async def test_staff_token_authenticates_and_is_recorded_as_actor(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    token = issue_dev_token(settings, clock, world.agent.email)
    response = await client.post("/v1/contacts", json=web_contact(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert response.json()["contact"]["recorded_by"] == {
        "kind": "staff",
        "id": world.agent.id,
        "name": world.agent.full_name,
    }
    # The staff member who wrote the contact down registered its facts.
    assert [(p["staff"]["id"], p["role"]) for p in response.json()["participations"]] == [
        (world.agent.id, "registering")
    ]
    # Agents record and read, but do not administer.
    assert_problem(await client.get("/v1/units", headers={"Authorization": f"Bearer {token}"}), 403)
    admin = issue_dev_token(settings, clock, world.admin.email)
    assert (await client.get("/v1/units", headers={"Authorization": f"Bearer {admin}"})).status_code == 200


async def test_bad_tokens_are_401(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    email = world.agent.email
    bad_tokens = {
        "expired": jwt.encode(
            _claims(settings, clock, email, exp=clock.now() - timedelta(minutes=5)), settings.secret, "HS256"
        ),
        "wrong audience": jwt.encode(_claims(settings, clock, email, aud="someone-else"), settings.secret, "HS256"),
        "wrong issuer": jwt.encode(
            _claims(settings, clock, email, iss="https://evil.example"), settings.secret, "HS256"
        ),
        "wrong key": jwt.encode(_claims(settings, clock, email), b"another-secret-key-of-32-bytes!!", "HS256"),
        "unknown staff": jwt.encode(_claims(settings, clock, "nobody@genk.example"), settings.secret, "HS256"),
        "garbage": "not.a.token",
    }
    for reason, token in bad_tokens.items():
        response = await client.get("/v1/tickets", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, reason
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_token_lifetime_is_judged_by_the_app_clock(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    headers = {"Authorization": f"Bearer {issue_dev_token(settings, clock, world.agent.email, timedelta(hours=1))}"}
    assert (await client.get("/v1/tickets", headers=headers)).status_code == 200
    clock.advance(minutes=59)
    assert (await client.get("/v1/tickets", headers=headers)).status_code == 200
    clock.advance(minutes=2)
    assert "expired" in assert_problem(await client.get("/v1/tickets", headers=headers), 401)["detail"]
    clock.advance(hours=-3)  # before it was issued (beyond the leeway): not yet valid
    assert "not yet valid" in assert_problem(await client.get("/v1/tickets", headers=headers), 401)["detail"]


async def test_unsigned_token_is_refused(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    unsigned = jwt.encode(_claims(settings, clock, world.agent.email), None, algorithm="none")
    assert_problem(await client.get("/v1/tickets", headers={"Authorization": f"Bearer {unsigned}"}), 401)


async def test_last_used_is_stamped_when_stale_and_left_alone_when_fresh(
    client: httpx.AsyncClient, session: AsyncSession, clock: FixedClock
) -> None:
    key = await factories.api_key(session, "stamped", ["tickets:read"])
    stamped = select(ApiClient.last_used_at).where(ApiClient.name == "stamped")
    assert await session.scalar(stamped) is None

    assert (await client.get("/v1/tickets", headers={"X-API-Key": key})).status_code == 200
    first = await session.scalar(stamped)
    assert first is not None
    assert first == clock.now()

    # Fresh (within the five-minute resolution): the next request leaves the stamp as it is.
    fresh = clock.now() - timedelta(minutes=4)
    await session.execute(update(ApiClient).where(ApiClient.name == "stamped").values(last_used_at=fresh))
    assert (await client.get("/v1/tickets", headers={"X-API-Key": key})).status_code == 200
    assert await session.scalar(stamped) == fresh

    # Stale: stamped again.
    stale = clock.now() - timedelta(minutes=6)
    await session.execute(update(ApiClient).where(ApiClient.name == "stamped").values(last_used_at=stale))
    assert (await client.get("/v1/tickets", headers={"X-API-Key": key})).status_code == 200
    restamped = await session.scalar(stamped)
    assert restamped is not None
    assert restamped > fresh


async def _signed_in_as(client: httpx.AsyncClient, settings: Settings, clock: Clock, **claims: object) -> int | None:
    """The staff id a token with these claims signs in as (via the actor of a recorded contact); None if refused."""
    token = jwt.encode(
        {**_claims(settings, clock, "unused@genk.example"), "email": None, **claims}, settings.secret, "HS256"
    )
    response = await client.post("/v1/contacts", json=web_contact(), headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        return None
    assert response.status_code == 201, response.text
    return int(response.json()["contact"]["recorded_by"]["id"])


async def test_email_fallback_needs_a_verified_email(
    client: httpx.AsyncClient, settings: Settings, world: World, clock: FixedClock
) -> None:
    email = world.agent.email
    assert await _signed_in_as(client, settings, clock, sub="idp-1", email=email) is None
    assert await _signed_in_as(client, settings, clock, sub="idp-1", email=email, email_verified=False) is None
    assert await _signed_in_as(client, settings, clock, sub="idp-1", email=email, email_verified="true") is None
    assert await _signed_in_as(client, settings, clock, sub="idp-1", email=email, email_verified=True) == world.agent.id


async def test_linked_subject_turns_the_email_fallback_off(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World, clock: FixedClock
) -> None:
    world.agent.oidc_subject = "idp-agent"
    await session.flush()
    email = world.agent.email
    # Another account at the provider with the same (verified) address is not this staff member.
    assert await _signed_in_as(client, settings, clock, sub="idp-other", email=email, email_verified=True) is None
    # The linked subject signs in, whatever e-mail the token carries.
    assert await _signed_in_as(client, settings, clock, sub="idp-agent", email="renamed@genk.example") == world.agent.id
    assert await _signed_in_as(client, settings, clock, sub="idp-agent") == world.agent.id
