"""Citizen identifiers: Belgian national numbers (never stored in clear) and phone numbers (E.164)."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers
from stdnum.be import nn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from genk3600.errors import Invalid, Phrase
from genk3600.i18n.catalogue import P_

DEFAULT_REGION = "BE"


def valid_national_number(value: str) -> str:
    """The compact 11-digit form; ValueError with a readable reason if it is not a valid number."""
    try:
        return str(nn.validate(value))
    except ValidationError as exc:
        raise Invalid(P_("not a valid Belgian national number ({reason})"), reason=stdnum_reason(exc)) from exc


# python-stdnum says why in English only: the same reasons as catalogue texts.
_REASONS = {
    InvalidChecksum: P_("the number's checksum or check digit is invalid"),
    InvalidLength: P_("the number has an invalid length"),
    InvalidFormat: P_("the number has an invalid format"),
    InvalidComponent: P_("one of the parts of the number are invalid or unknown"),
}


def stdnum_reason(exc: ValidationError) -> Phrase:
    """Why python-stdnum refused a number, in words of the catalogue."""
    for kind, reason in _REASONS.items():
        if isinstance(exc, kind):
            return Phrase(reason)
    return Phrase(P_("the number is invalid"))


def national_number_hash(secret: bytes, compact: str) -> str:
    """Keyed so that a leaked table cannot be reversed by hashing all ~10^10 possible numbers."""
    return hmac.new(secret, b"national-number:" + compact.encode(), hashlib.sha256).hexdigest()


def masked_national_number(compact: str) -> str:
    """Only the check digits stay visible: enough for an agent to confirm with the caller."""
    return f"xx.xx.xx-xxx.{compact[-2:]}"


def e164_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """Normalise a phone number to E.164 (Belgian numbers may be written nationally, e.g. 089 65 36 00)."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise Invalid(P_("not a phone number")) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid(P_("not a valid phone number"))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
