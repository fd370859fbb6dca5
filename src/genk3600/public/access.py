"""Citizen access codes: shown once, kept only as a keyed hash, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# No 0/O, 1/I/L: a code read aloud on the phone or copied from paper must not be misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31^10 ≈ 2^49.5 codes; with the rate limit, guessing one takes longer than any ticket lives
GROUPS = (4, 4, 2)  # shown as K7QX-M4PZ-TR
_PURPOSE = b"public-access-code:"
_SEPARATORS = str.maketrans("", "", " \t\r\n-_.\u2010\u2011\u2012\u2013\u2014\u00a0")
# Compared against when there is no stored hash, so that a miss costs the same HMAC as a wrong code.
_NO_HASH = "0" * 64


def normalise_code(code: str) -> str:
    """Upper case without dashes or spaces: `k7qx m4pz-tr` → `K7QXM4PZTR`."""
    return code.translate(_SEPARATORS).upper()


def _hash(secret: bytes, normalised: str) -> str:
    # The one-shot HMAC (OpenSSL's, no HMAC object): the same value as hmac.new(...).hexdigest(), for less CPU.
    return hmac.digest(secret, _PURPOSE + normalised.encode(), hashlib.sha256).hex()


def format_code(normalised: str) -> str:
    """Group a normalised code for display: `K7QXM4PZTR` → `K7QX-M4PZ-TR`."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(normalised[start : start + size])
        start += size
    return "-".join(part for part in parts if part)


def access_code_hash(secret: bytes, code: str) -> str:
    """The keyed hash stored in `ticket.access_code_hash` for a code (in any spelling)."""
    return _hash(secret, normalise_code(code))


def new_access_code(secret: bytes) -> tuple[str, str]:
    """A fresh code for the citizen (shown once, e.g. `K7QX-M4PZ-TR`) and the hash to store for it."""
    return format_code(normalised := _random_code()), _hash(secret, normalised)


# Bytes below this map evenly onto the alphabet (byte % 31); the rest are drawn again, so no letter is likelier.
_EVEN_BYTES = 256 - 256 % len(ALPHABET)


def _random_code() -> str:
    """CODE_LENGTH letters drawn uniformly from ALPHABET, from one read of the system's randomness (not one a
    letter, as `secrets.choice` would: the intake's CPU budget, #16)."""
    letters: list[str] = []
    while len(letters) < CODE_LENGTH:
        letters += [
            ALPHABET[byte % len(ALPHABET)] for byte in secrets.token_bytes(2 * CODE_LENGTH) if byte < _EVEN_BYTES
        ]
    return "".join(letters[:CODE_LENGTH])


def code_matches(secret: bytes, code: str, stored_hash: str | None) -> bool:
    """Whether `code` (any case, with or without dashes and spaces) is the one behind `stored_hash`."""
    # Always one HMAC and one constant-time comparison, whether or not there is a hash to compare with.
    candidate = _hash(secret, normalise_code(code))
    return hmac.compare_digest(candidate, stored_hash or _NO_HASH) and stored_hash is not None


# Where a code shows up in text: as we print it (`K7QX-M4PZ-TR`, any case, as citizens type it back) and as the
# `code` parameter of a status link. The ungrouped spelling is left alone: ten capitals match ordinary words.
# Both patterns are valid in Python and in PostgreSQL (which redacts stored rows with the same expressions).
_CODE_CHAR = "[2-9A-HJKMNP-Za-hjkmnp-z]"
CODE_PATTERN = rf"(?<![0-9A-Za-z]){_CODE_CHAR}{{4}}-{_CODE_CHAR}{{4}}-{_CODE_CHAR}{{2}}(?![0-9A-Za-z])"
LINK_CODE_PATTERN = r"([?&]code=)[^&\s\"'<>\[]+"  # not `[`: the placeholder is not redacted twice
REDACTED_CODE = "[access code removed]"
_CODE = re.compile(CODE_PATTERN)
_LINK_CODE = re.compile(LINK_CODE_PATTERN)
_CODE_BYTES = re.compile(CODE_PATTERN.encode())
_LINK_CODE_BYTES = re.compile(LINK_CODE_PATTERN.encode())


def redact_access_codes(text: str) -> str:
    """The text with every access code (and status-link `code=`) replaced by a placeholder."""
    return _CODE.sub(REDACTED_CODE, _LINK_CODE.sub(rf"\1{REDACTED_CODE}", text))


def redact_access_codes_in_bytes(data: bytes) -> bytes:
    """The same for a file kept as bytes (a bounced message quoting our acknowledgement)."""
    placeholder = REDACTED_CODE.encode()
    return _CODE_BYTES.sub(placeholder, _LINK_CODE_BYTES.sub(rb"\1" + placeholder, data))
