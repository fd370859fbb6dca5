"""Staff tokens signed by the identity provider: its keys are cached by `kid`, so a request whose key is known
verifies on the event loop, with no hop to a worker thread (auth/tokens.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import pytest
from bench.jwks import ISSUER, IdentityProvider

from genk3600.auth import tokens
from genk3600.config import Settings


@pytest.fixture
def provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    yield idp
    idp.close()


async def test_a_known_key_is_used_without_a_thread_hop(
    settings: Settings, provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = settings.model_copy(update={"jwks_url": provider.jwks_url, "jwt_issuer": ISSUER})
    hops: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(function)
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    monkeypatch.setattr(tokens, "_signing_keys", {})
    now = datetime.now(UTC)
    for email in ("a@genk.example", "b@genk.example", "c@genk.example"):
        claims = await tokens.verify_staff_token(configured, provider.token(email), now)
        assert claims["email"] == email
    assert len(hops) == 1  # the first fetched the JWKS; the others found the key by its kid

    monkeypatch.setattr(tokens, "KEY_LIFESPAN_SECONDS", 0.0)  # an expired key is fetched again
    await tokens.verify_staff_token(configured, provider.token("d@genk.example"), now)
    assert len(hops) == 2
