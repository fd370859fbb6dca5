"""Reading the Flemish product catalogue (IPDC/LPDC) as our product entries.

The IPDC publishes products and services as JSON (the API's Dutch keys: `naam`, `beschrijving`, `kosten`,
`bewijsstukken`, `zoektermen`, `websites`) and as JSON-LD (the LPDC vocabulary: `dct:title`,
`dct:description`, `m8g:hasCost`, `m8g:hasRequirement`/`m8g:hasSupportingEvidence`, `dcat:keyword`,
`lpdcExt:hasWebsite`/`schema:url`, language-tagged `{"@language", "@value"}` values). Both are read here, in
one file a list of entries, or an object holding them under `@graph`, `items` or `producten`. Texts in HTML
become plain text.

The IPDC knows nothing of Genk's categories: an entry names them under `genk3600:categories` (added by
whoever prepares the file), else the import's default category applies, else the entry is skipped and the
report says so. An entry is recognised again on a later import by its IPDC id (`@id`, `id` or `productId`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from pydantic import ValidationError

from genk3600.models.enums import Language
from genk3600.products.errors import InvalidCatalogue
from genk3600.products.schemas import ProductIn

LANGUAGES = tuple(language.value for language in Language)
MAX_ENTRIES = 10_000

_NAME = ("naam", "name", "dct:title", "http://purl.org/dc/terms/title", "title")
_DESCRIPTION = ("beschrijving", "description", "dct:description", "http://purl.org/dc/terms/description")
_COST = ("kosten", "m8g:hasCost", "cost", "costs")
_BRING = ("bewijsstukken", "voorwaarden", "m8g:hasRequirement", "m8g:hasSupportingEvidence", "requirements")
_KEYWORDS = ("zoektermen", "dcat:keyword", "keywords", "http://www.w3.org/ns/dcat#keyword")
_WEBSITES = ("websites", "lpdcExt:hasWebsite", "website")
_URL = ("url", "schema:url", "http://schema.org/url", "@id")
_DELIVERY = ("doorlooptijd", "delivery_time")
_ID = ("@id", "id", "productId")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"p", "br", "li", "div", "ul", "ol"}:
            self.parts.append(" ")


def plain(text: str) -> str:
    """HTML as plain text on one line."""
    parser = _Text()
    parser.feed(text)
    parser.close()
    return re.sub(r"\s+", " ", html.unescape("".join(parser.parts))).strip()


def _first(entry: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in entry and entry[key] not in (None, "", [], {}):
            return entry[key]
    return None


def _by_language(value: Any) -> dict[str, list[str]]:
    """Every text of a value per language: `{"nl": "…"}`, `[{"@language": "nl", "@value": "…"}]`, plain text
    (taken as Dutch), or objects holding those under a description or name (costs, requirements)."""
    found: dict[str, list[str]] = {}

    def add(language: str, text: Any) -> None:
        if isinstance(text, str) and language in LANGUAGES and (cleaned := plain(text)):
            found.setdefault(language, []).append(cleaned)
        elif isinstance(text, list):
            for item in text:
                add(language, item)

    def walk(node: Any) -> None:
        if isinstance(node, str):
            add("nl", node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "@value" in node:
                add(str(node.get("@language", "nl")).split("-")[0].lower(), node["@value"])
            elif any(key in node for key in LANGUAGES):
                for language in LANGUAGES:
                    if language in node:
                        add(language, node[language])
            else:
                # A requirement's text sits in its supporting evidence (LPDC), a cost's in its description.
                inner = _first(node, (*_DESCRIPTION, *_NAME, "m8g:hasSupportingEvidence"))
                if inner is not None:
                    walk(inner)

    walk(value)
    return found


def _urls(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [url for item in value for url in _urls(item)]
    if isinstance(value, dict):
        url = _first(value, _URL)
        return [url] if isinstance(url, str) else []
    return []


def slug(text: str) -> str:
    """`Identiteitskaart aanvragen` → `identiteitskaart-aanvragen`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:90] or "product"


@dataclass
class Entry:
    ipdc_id: str
    product: ProductIn


@dataclass
class Reading:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def entries_of(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict):
        for key in ("@graph", "items", "producten", "products"):
            if isinstance(document.get(key), list):
                document = document[key]
                break
        else:
            document = [document]
    if not isinstance(document, list):
        raise InvalidCatalogue("the file holds neither a list of products nor an object with @graph or items")
    if len(document) > MAX_ENTRIES:
        raise InvalidCatalogue(f"the file holds {len(document)} entries; import at most {MAX_ENTRIES} at once")
    return [entry for entry in document if isinstance(entry, dict)]


def read(document: Any, default_categories: list[str]) -> Reading:
    """The file's entries as product input, and a line for each entry that cannot become one."""
    reading = Reading()
    used_codes: set[str] = set()
    for number, entry in enumerate(entries_of(document), start=1):
        ipdc_id = _first(entry, _ID)
        if not isinstance(ipdc_id, str | int):
            reading.skipped.append(f"entry {number}: no IPDC id (@id, id or productId)")
            continue
        ipdc_id = str(ipdc_id)
        names = _by_language(_first(entry, _NAME))
        if "nl" not in names:
            reading.skipped.append(f"{ipdc_id}: no Dutch name")
            continue
        descriptions = _by_language(_first(entry, _DESCRIPTION))
        costs = _by_language(_first(entry, _COST))
        bring = _by_language(_first(entry, _BRING))
        delivery = _by_language(_first(entry, _DELIVERY))
        keywords = _by_language(_first(entry, _KEYWORDS))
        texts: dict[str, dict[str, str]] = {}
        for language in LANGUAGES:
            if language not in names:
                continue
            texts[language] = {
                "name": names[language][0][:200],
                **({"description": " ".join(descriptions[language])[:4000]} if language in descriptions else {}),
                **({"what_to_bring": " ".join(bring[language])[:4000]} if language in bring else {}),
                **({"cost": "; ".join(costs[language])[:200]} if language in costs else {}),
                **({"delivery_time": delivery[language][0][:200]} if language in delivery else {}),
            }
        categories = entry.get("genk3600:categories") or default_categories
        if not categories:
            reading.skipped.append(f"{ipdc_id}: no category (add genk3600:categories or give a default category)")
            continue
        code = slug(names["nl"][0])
        if code in used_codes:
            code = f"{code[:80]}-{slug(ipdc_id)[-8:]}"
        used_codes.add(code)
        websites = [url for url in _urls(_first(entry, _WEBSITES)) if url.startswith(("http://", "https://"))]
        try:
            product = ProductIn.model_validate(
                {
                    "code": code,
                    "texts": texts,
                    "synonyms": {
                        language: list(dict.fromkeys(word[:100] for word in words))[:50]
                        for language, words in keywords.items()
                    },
                    "web_page": websites[0][:500] if websites else None,
                    "categories": categories,
                    "desk_unit": entry.get("genk3600:desk"),
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            reading.skipped.append(f"{ipdc_id}: {where}: {first['msg']}")
            continue
        reading.entries.append(Entry(ipdc_id=ipdc_id, product=product))
    return reading
