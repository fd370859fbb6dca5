"""The ticket reference `G3600-YYYY-NNNNNN`: its one definition, for the models, the services and the docs.

Nothing here imports the application, so models (the CHECK constraint), schemas (patterns and examples),
services (new references) and the mail reader (references in subjects) all build on the same parts.
The migration that created the CHECK constraint repeats the pattern as text: migrations never import the app.
"""

from __future__ import annotations

import re

PREFIX = "G3600"
_YEAR = "[0-9]{4}"
# Six digits at least: the number is zero-padded to six and simply grows longer past 999999.
_NUMBER = "[0-9]{6,}"
_REFERENCE = f"{PREFIX}-{_YEAR}-{_NUMBER}"

REFERENCE_FORMAT = f"{PREFIX}-YYYY-NNNNNN"  # as the docs spell it
REFERENCE_PATTERN = f"^{_REFERENCE}$"  # a whole value: the database CHECK and the API's path and body patterns
# A reference inside free text such as a mail subject (`Re: [g3600-2026-000123] Grofvuil`), any case.
REFERENCE_IN_TEXT = re.compile(f"(?<![A-Za-z0-9]){_REFERENCE}(?![A-Za-z0-9])", re.IGNORECASE)
MAX_TYPED_REFERENCE = 40  # what a citizen may type before it is cut off; far above any real reference


def format_reference(year: int, number: int) -> str:
    """The reference of ticket `number` opened in `year` (Brussels time): `G3600-2026-000123`."""
    return f"{PREFIX}-{year:04d}-{number:06d}"


def normalise_reference(reference: str) -> str:
    """References as citizens type them: `g3600-2026-000123 ` → `G3600-2026-000123` (capped in length)."""
    return reference.strip().upper()[:MAX_TYPED_REFERENCE]


REFERENCE_EXAMPLE = format_reference(2026, 123)
