"""The console's message catalogue: every language has every text the Dutch one has, and every key used
in the code exists."""

from __future__ import annotations

import re
from pathlib import Path

from genk3600.models.enums import EscalationReason, Priority, Role, TicketStatus
from genk3600.queues.schemas import DeadlineColour

STATIC = Path(__file__).parents[2] / "src" / "genk3600" / "console" / "static" / "js"
CATALOGUE = STATIC / "i18n.js"


def _catalogues() -> dict[str, set[str]]:
    source = CATALOGUE.read_text(encoding="utf-8")
    blocks = re.findall(r"^  (\w\w): \{\n(.*?)^  \},", source, flags=re.MULTILINE | re.DOTALL)
    return {language: set(re.findall(r'^\s+"([\w.]+)":', body, flags=re.MULTILINE)) for language, body in blocks}


def test_every_language_has_every_text() -> None:
    catalogues = _catalogues()
    assert set(catalogues) == {"nl", "fr", "en"}
    dutch = catalogues["nl"]
    assert len(dutch) > 100
    for language, keys in catalogues.items():
        assert dutch - keys == set(), f"{language} misses texts"
        assert keys - dutch == set(), f"{language} has texts Dutch does not"


def test_every_key_the_screens_use_exists() -> None:
    dutch = _catalogues()["nl"]
    used: set[str] = set()
    for script in STATIC.rglob("*.js"):
        used |= set(re.findall(r'\bt\("([\w.]+)"', script.read_text(encoding="utf-8")))
    assert used, "no t() calls found: the pattern no longer matches the code"
    assert used - dutch == set()


def test_every_value_the_api_sends_has_a_text() -> None:
    # Screens build these keys at run time (t(`status.${ticket.status}`)), from the API's enums.
    dutch = _catalogues()["nl"]
    families = {
        "status": list(TicketStatus),
        "priority": list(Priority),
        "role": list(Role),
        "reason": [reason for reason in EscalationReason if reason is not EscalationReason.returned],
        "deadline": list(DeadlineColour),
    }
    missing = [f"{family}.{value}" for family, values in families.items() for value in values]
    assert [key for key in missing if key not in dutch] == []
