"""What a canned answer quotes from the product catalogue: the entry of the ticket's category, in a language.

The entry is the active one linked to the ticket's category, those whose *main* category it is first (the link's
position), then by code — the order the console lists them beside the ticket, so the agent sees the entry the
answer quotes at the top. Its texts fall back field by field to Dutch as the catalogue does; opening hours are
the desk's own, else the city's. Nothing is quoted as an empty gap: a missing entry or text is a 422.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from babel.dates import get_day_names

from genk3600.answering.errors import NothingToQuote, no_entry, no_text
from genk3600.answering.placeholders import CATALOGUE
from genk3600.models.enums import Language
from genk3600.products.schemas import DeskHoursOut, ProductOut


def opening_hours(hours: Sequence[DeskHoursOut], language: Language) -> str:
    """ "maandag 08:30-12:30 en 13:30-16:00; dinsdag …" with the days' names in `language`."""
    days = get_day_names("wide", locale=language.value)
    by_day: dict[int, list[str]] = {}
    for row in sorted(hours, key=lambda row: (row.weekday, row.opens)):
        by_day.setdefault(row.weekday, []).append(f"{row.opens:%H:%M}-{row.closes:%H:%M}")
    return "; ".join(f"{days[day]} {', '.join(spans)}" for day, spans in by_day.items())


def catalogue_values(product: ProductOut | None, wanted: Collection[str], language: Language) -> dict[str, str]:
    """The CATALOGUE placeholders among `wanted`, from `product` (as read in `language`); 422 if any is missing."""
    names = [name for name in CATALOGUE if name in wanted]
    if not names:
        return {}
    if product is None:
        raise NothingToQuote(no_entry(), names)
    display = product.display
    values = {
        "product_name": display.name,
        "what_to_bring": display.what_to_bring,
        "cost": display.cost,
        "delivery_time": display.delivery_time,
        "web_page": product.web_page,
        "opening_hours": opening_hours(product.desk.opening_hours, language) if product.desk else None,
    }
    missing = [name for name in names if not values[name]]
    if missing:
        raise NothingToQuote(no_text(product.code, missing), names)
    return {name: str(values[name]) for name in names}
