"""Staff bearer tokens: verified against the identity provider's JWKS, or a local HS256 key in dev mode."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

import anyio.to_thread
import jwt

from genk3600.auth.errors import InvalidCredentials
from genk3600.config import Settings
from genk3600.kit.clock import utcnow

ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
DEV_ALGORITHM = "HS256"


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def issue_dev_token(
    settings: Settings, email: str, ttl: timedelta = timedelta(hours=8), subject: str | None = None
) -> str:
    """Sign a staff token with the local key; only dev mode accepts such tokens."""
    if not settings.dev_mode:
        raise RuntimeError("dev tokens exist only with GENK3600_ENV=dev")
    now = utcnow()
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject or email,
        "email": email,
        "email_verified": True,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, settings.secret, algorithm=DEV_ALGORITHM)


async def verify_staff_token(settings: Settings, token: str) -> dict[str, Any]:
    """Check signature, issuer, audience and expiry; return the claims."""
    options = {"require": ["exp", "iss", "aud", "sub"]}
    try:
        if settings.jwks_url:
            # PyJWKClient fetches over blocking urllib; keep it off the event loop.
            signing_key = await anyio.to_thread.run_sync(
                _jwks_client(settings.jwks_url).get_signing_key_from_jwt, token
            )
            key: Any = signing_key.key
            algorithms = ASYMMETRIC_ALGORITHMS
        elif settings.dev_mode:
            key, algorithms = settings.secret, [DEV_ALGORITHM]
        else:
            raise InvalidCredentials("Staff sign-in is not configured on this server (GENK3600_JWKS_URL).")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options=options,  # type: ignore[arg-type]
            leeway=30,
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidCredentials("The bearer token has expired; sign in again.") from exc
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        raise InvalidCredentials(f"The bearer token is not valid: {exc}.") from exc
    return claims
