"""API keys: high-entropy random strings; stored only as a SHA-256 digest (enough for 256-bit secrets)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "g3600_"


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def derived_api_key(secret: bytes, purpose: str) -> str:
    """A key that can be recomputed from the secret key: lets dev mode print the same demo key each run."""
    digest = hmac.new(secret, purpose.encode(), hashlib.sha256).hexdigest()
    return KEY_PREFIX + digest


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[: len(KEY_PREFIX) + 6]


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)
