"""Staff bearer tokens: verified against the identity provider's JWKS, or a local HS256 key in dev mode."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import anyio.to_thread
import jwt

from genk3600.auth.errors import InvalidCredentials
from genk3600.config import Settings
from genk3600.errors import InEnglish
from genk3600.i18n.catalogue import P_
from genk3600.kit.clock import Clock

ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
DEV_ALGORITHM = "HS256"
LEEWAY = timedelta(seconds=30)


KEY_LIFESPAN_SECONDS = 300.0
# The provider's signing keys by (JWKS URL, kid), with when they were fetched (monotonic): a request whose key is
# known verifies its token on the event loop, without a hop to a worker thread.
_signing_keys: dict[tuple[str, str], tuple[Any, float]] = {}


# Tokens already verified, with what verified them: a staff member's console sends the same token with every
# request until it expires, and checking its signature again (RSA, PyJWT's parsing) was a tenth of a queue page's
# CPU. A hit is only as good as its key: the JWKS key it was verified with must still be the cached key for its
# kid (so a rotated-away key stops being accepted exactly as before), or the same dev secret. The time claims
# (exp, nbf, iat) are judged at every request's `now`.
VERIFIED_TOKENS = 1024


@dataclass(frozen=True)
class _Verified:
    claims: dict[str, Any]
    kid: str | None
    key: Any


_verified: dict[tuple[str, str | None, str, str], _Verified] = {}


def _still_verified(settings: Settings, seen: _Verified) -> bool:
    if settings.jwks_url:
        cached = _signing_keys.get((settings.jwks_url, seen.kid)) if seen.kid is not None else None
        return cached is not None and cached[0] is seen.key and time.monotonic() - cached[1] < KEY_LIFESPAN_SECONDS
    return settings.dev_mode and seen.key == settings.secret


def _remember(key: tuple[str, str | None, str, str], seen: _Verified) -> None:
    if len(_verified) >= VERIFIED_TOKENS:
        del _verified[next(iter(_verified))]  # the oldest
    _verified[key] = seen


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=int(KEY_LIFESPAN_SECONDS), timeout=5)


async def _signing_key(url: str, token: str) -> Any:
    """The key that signed `token`: from the cache by its `kid`, else fetched (blocking urllib, so off the event
    loop) and cached for KEY_LIFESPAN_SECONDS, after which a rotated-away key is no longer accepted."""
    kid = jwt.get_unverified_header(token).get("kid")
    if isinstance(kid, str) and (cached := _signing_keys.get((url, kid))) is not None:
        key, fetched = cached
        if time.monotonic() - fetched < KEY_LIFESPAN_SECONDS:
            return key
    signing_key = await anyio.to_thread.run_sync(_jwks_client(url).get_signing_key_from_jwt, token)
    if isinstance(kid, str):
        _signing_keys[(url, kid)] = (signing_key.key, time.monotonic())
    return signing_key.key


def issue_dev_token(
    settings: Settings, clock: Clock, email: str, ttl: timedelta = timedelta(hours=8), subject: str | None = None
) -> str:
    """Sign a staff token with the local key; only dev mode accepts such tokens."""
    if not settings.dev_mode:
        raise RuntimeError("dev tokens exist only with GENK3600_ENV=dev")
    now = clock.now()
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


async def verify_staff_token(settings: Settings, token: str, now: datetime) -> dict[str, Any]:
    """Check signature, issuer, audience and expiry (at `now`); return the claims."""
    # PyJWT would judge exp/nbf/iat by the wall clock; they are judged by the app's clock below instead.
    options = {"require": ["exp", "iss", "aud", "sub"], "verify_exp": False, "verify_nbf": False, "verify_iat": False}
    remembered = (token, settings.jwks_url, settings.jwt_audience, settings.jwt_issuer)
    try:
        seen = _verified.get(remembered)
        if seen is not None and _still_verified(settings, seen):
            claims = dict(seen.claims)
        else:
            kid: str | None = None
            if settings.jwks_url:
                key: Any = await _signing_key(settings.jwks_url, token)
                algorithms = ASYMMETRIC_ALGORITHMS
                header_kid = jwt.get_unverified_header(token).get("kid")
                kid = header_kid if isinstance(header_kid, str) else None
            elif settings.dev_mode:
                key, algorithms = settings.secret, [DEV_ALGORITHM]
            else:
                raise InvalidCredentials(P_("Staff sign-in is not configured on this server (GENK3600_JWKS_URL)."))
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options=options,  # type: ignore[arg-type]
                leeway=LEEWAY,
            )
            _remember(remembered, _Verified(dict(claims), kid, key))
        _check_times(claims, now)
    except jwt.ExpiredSignatureError as exc:
        raise InvalidCredentials(P_("The bearer token has expired; sign in again.")) from exc
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        raise InvalidCredentials(
            P_("The bearer token is not valid: {exc}."),
            params={"exc": InEnglish(exc, P_("it cannot be read or its signature does not match"))},
        ) from exc
    return claims


def _check_times(claims: dict[str, Any], now: datetime) -> None:
    """PyJWT's iat, nbf and exp checks (same order, leeway and errors), judged at `now`."""
    moment, leeway = now.timestamp(), LEEWAY.total_seconds()
    if "iat" in claims:
        iat = _integer(claims["iat"], jwt.InvalidIssuedAtError("Issued At claim (iat) must be an integer."))
        if iat > moment + leeway:
            raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in claims:
        nbf = _integer(claims["nbf"], jwt.DecodeError("Not Before claim (nbf) must be an integer."))
        if nbf > moment + leeway:
            raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    exp = _integer(claims["exp"], jwt.DecodeError("Expiration Time claim (exp) must be an integer."))
    if exp <= moment - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")


def _integer(value: Any, error: jwt.PyJWTError) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise error from None
