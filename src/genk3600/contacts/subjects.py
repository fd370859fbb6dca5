"""A contact's subject when it names none: its text's first line. Kept apart from the intake's service so that the
bulk import, which names subjects the same way, does not load the whole intake (half a second of its start-up)."""

from __future__ import annotations

SUBJECT_FROM_TEXT = 120


def subject_from_text(text: str) -> str:
    stripped = text.strip()
    first_line = stripped.splitlines()[0] if stripped else "Contact"
    return first_line if len(first_line) <= SUBJECT_FROM_TEXT else first_line[: SUBJECT_FROM_TEXT - 1] + "…"
