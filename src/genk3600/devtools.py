"""Dev-mode conveniences that must never work in production."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.keys import derived_api_key
from genk3600.auth.repository import api_client_by_name
from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.models.enums import Scope

DEMO_CLIENT = "demo"


async def ensure_demo_api_key(session: AsyncSession, settings: Settings) -> str | None:
    """In dev mode, a demo client whose key derives from the secret key, so every start can print it."""
    if not settings.dev_mode:
        return None
    key = derived_api_key(settings.secret, "demo-api-key")
    if await api_client_by_name(session, DEMO_CLIENT) is None:
        await create_api_client(session, DEMO_CLIENT, list(Scope), key=key)
    return key
