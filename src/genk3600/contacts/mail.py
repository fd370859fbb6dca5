"""Inbound mail: raw RFC 5322 bytes in, the facts intake needs out. Pure: no I/O, no database.

Every input is treated as hostile. The stdlib parser is lenient (it records defects rather than failing),
yet some inputs still make it raise, recurse too deep or mislead; `parse_mail` turns all of those into
`MalformedMail`, so a caller needs exactly one except clause and can keep the raw bytes for a person.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses
from html import unescape
from html.parser import HTMLParser
from typing import Any

from genk3600.kit.reference import REFERENCE_IN_TEXT

MAX_RECIPIENTS = 10_000
# A citizen's mail has a handful of parts; thousands only make every later step (storage, scanning) slow.
MAX_PARTS = 1_000
# References grows by one id per reply; the newest ids name the closest ancestors, which is what matching
# a ticket needs, and a bound keeps a hostile header from turning into thousands of lookups.
MAX_THREAD_IDS = 50
MAX_FILENAME = 255
# The stdlib's header grammar is quadratic on some input (100 kB of `"` in To takes minutes), so it only
# ever reads bounded values: longer MIME headers are refused, long recipient lists are read the fast way.
MAX_MIME_HEADER = 4_000  # one Content-Type/-Disposition/-Transfer-Encoding; fits a long RFC 2231 name
MAX_MIME_HEADERS = 256_000  # all of them together: hundreds of parts
MAX_MIME_SPECIALS = 100  # quotes, brackets, `;` ... in one; a long RFC 2231 file name needs some 30 `;`
MAX_ADDRESS_HEADER = 2_000  # From, Return-Path
MAX_STRUCTURED_RECIPIENTS = 4_000  # To and Cc together; a longer list is read with the lenient parser
MAX_SUBJECT_SOURCE = 4_000
DERIVED_ID_DOMAIN = "genk3600.invalid"
OCTET_STREAM = "application/octet-stream"

PRECEDENCE_AUTOMATED = frozenset({"bulk", "junk", "list", "auto_reply"})
DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})

_POLICY = policy.default
# Serialising an attached message keeps its header lines as they arrived instead of refolding them.
_SERIALISE_POLICY = policy.default.clone(linesep="\r\n", refold_source="none")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_NAME = rb"[!-9;-~]+:"
# A MIME header anywhere in the message (nested parts too) with its continuation lines, in lower case.
# The parser ends lines at CR, LF and CRLF alike, so this does as well.
_MIME_HEADER = re.compile(
    rb"content-(?:type|disposition|transfer-encoding):"  # the name, then the rest of its line
    rb"[^\r\n]*(?:(?:\r\n|\r|\n)[ \t][^\r\n]*)*"  # and every continuation line
)
_MIME_SPECIALS = b'"\\;()<>@,:[]'
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]+")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_ANGLE_ID = re.compile(r"<([^<>]*)>")
_NULL_PATH = re.compile(r"<\s*>")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
# Declared "no charset" and "latin-1" are, in practice, UTF-8 or Windows-1252 (as browsers assume too).
_UNDECLARED_CHARSETS = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown"})
_LATIN1_CHARSETS = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1"})


class MalformedMail(ValueError):
    """The bytes are not a mail intake can use; the message says what is wrong in plain English."""


@dataclass(frozen=True)
class MailAttachment:
    filename: str | None  # without directories, control characters or NULs; None when the part has none
    content_type: str
    size: int
    sha256: str  # hex, of the full decoded content
    content: bytes | None  # None when larger than the cap: the facts are kept, the bytes are not


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without <>; "sha256-<hex of the raw bytes>@genk3600.invalid" when the header is missing
    from_address: str | None  # lower-cased; None only for a null sender (bounce)
    from_name: str | None
    to: tuple[str, ...]  # To and Cc, lower-cased, each once
    subject: str  # decoded, on one line, "" when missing
    text: str  # the plain-text body, or the HTML body as readable text; LF line ends
    in_reply_to: tuple[str, ...]  # message-ids without <>
    references: tuple[str, ...]  # message-ids without <>, the newest MAX_THREAD_IDS
    ticket_references: tuple[str, ...]  # references (kit/reference.py) found in the subject, upper-cased, in order
    automated: str | None  # why this is an auto-reply, bounce or list mail; None for a person's mail
    sent_at: datetime | None  # the Date header in UTC; None when missing or unreadable
    attachments: tuple[MailAttachment, ...]
    header_defects: tuple[str, ...]  # names of the parser's defect classes (headers and MIME structure)


def parse_mail(raw: bytes, max_attachment_bytes: int) -> ParsedMail:
    """Parse one message; raises MalformedMail (and nothing else) for bytes that are not a usable mail."""
    try:
        return _parse(bytes(raw), max_attachment_bytes)
    except MalformedMail:
        raise
    except Exception as exc:
        # The parser has known crashes on hostile input (RecursionError on deep nesting, IndexError and
        # friends in the header grammar); none of them may take the intake down.
        raise MalformedMail(f"The message cannot be parsed ({type(exc).__name__}).") from exc


def _parse(raw: bytes, max_attachment_bytes: int) -> ParsedMail:
    if not raw.strip():
        raise MalformedMail("The message is empty.")
    _refuse_header_injection(raw)
    _refuse_oversized_mime_headers(raw)
    message = message_from_bytes(raw, policy=_POLICY)
    if not message.keys():
        raise MalformedMail("The message has no header lines, so it is not an e-mail message.")
    defects: list[str] = []
    sender = _sender(message, defects)
    to = _recipients(message, defects)
    subject_source = (_first(message, "subject") or "")[:MAX_SUBJECT_SOURCE]  # a subject, not a document
    subject = _one_line(_unstructured("subject", subject_source, defects))
    parts = _leaves(message, defects)
    text, attachments = _content(parts, max_attachment_bytes)
    message_ids = _message_ids(_first(message, "message-id") or "")
    return ParsedMail(
        message_id=message_ids[0] if message_ids else _derived_message_id(raw),
        from_address=sender.address,
        from_name=sender.name,
        to=to,
        subject=subject,
        text=text,
        in_reply_to=tuple(_message_ids(" ".join(_values(message, "in-reply-to")))[-MAX_THREAD_IDS:]),
        references=tuple(_message_ids(" ".join(_values(message, "references")))[-MAX_THREAD_IDS:]),
        ticket_references=tuple(_unique(match.upper() for match in REFERENCE_IN_TEXT.findall(subject))),
        automated=_automated(message, sender),
        sent_at=_sent_at(_first(message, "date"), defects),
        attachments=attachments,
        header_defects=tuple(_unique(defects)),
    )


def _derived_message_id(raw: bytes) -> str:
    """The same bytes delivered twice get the same id, so a relay's retry is recognised as a duplicate."""
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@{DERIVED_ID_DOMAIN}"


def _refuse_header_injection(raw: bytes) -> None:
    """Refuse a bare CR (or, in a CRLF message, a bare LF) that would start a header of its own.

    The parser splits header lines on CR, LF and CRLF alike, so `Subject: hi<CR>Bcc: x` silently becomes
    two headers; SMTP delivers CRLF lines, so such a break can only be smuggled in.
    """
    end = _HEADER_END.search(raw)
    block = raw[: end.start()] if end else raw
    first_break = block.find(b"\n")
    crlf = first_break > 0 and block[first_break - 1 : first_break] == b"\r"
    breaks = rb"(?:\r(?!\n)|(?<!\r)\n)" if crlf else rb"\r(?!\n)"
    if re.search(breaks + _HEADER_NAME, block):
        raise MalformedMail(
            "A header line contains a stray line break that would start a new header (header injection)."
        )


def _refuse_oversized_mime_headers(raw: bytes) -> None:
    lowered = raw.lower()  # a literal start lets the regex engine skip ahead: 30 MB in a fraction of a second
    total = 0
    for match in _MIME_HEADER.finditer(lowered):
        if match.start() > 0 and lowered[match.start() - 1] not in b"\r\n":
            continue  # not at the start of a line
        header = match.group()
        total += len(header)
        name = header.partition(b":")[0].decode("ascii").title()
        if len(header) > MAX_MIME_HEADER:
            message = f"A {name} header is {len(header)} characters long; {MAX_MIME_HEADER} at most."
            raise MalformedMail(message)
        # Each special character costs the grammar a rescan; real headers need a few dozen at most.
        if len(header) - len(header.translate(None, _MIME_SPECIALS)) > MAX_MIME_SPECIALS:
            raise MalformedMail(f"A {name} header has more quotes, brackets or parameters than any real one.")
        if total > MAX_MIME_HEADERS:
            raise MalformedMail(f"The MIME headers together exceed {MAX_MIME_HEADERS} characters.")


@dataclass(frozen=True)
class _Sender:
    address: str | None
    name: str | None
    local_part: str | None
    null: str | None  # why the sender counts as a null sender (bounce), if it does


def _sender(message: EmailMessage, defects: list[str]) -> _Sender:
    from_values = _values(message, "from")
    return_path = _first(message, "return-path")
    if len(from_values) > 1:
        # Which one would a reply reach? Refused outright, as large mail providers do.
        raise MalformedMail(f"The message has {len(from_values)} From headers; exactly one is allowed.")
    if not from_values and return_path is None:
        raise MalformedMail("The message has neither a From nor a Return-Path header, so it has no sender.")
    from_value = from_values[0] if from_values else None
    null = None
    if from_value is None:
        null = "null sender (no From header)"
    elif _is_null_path(from_value):
        null = "null sender (From: <>)"
    elif return_path is not None and _is_null_path(return_path):
        null = "null sender (Return-Path: <>)"
    if from_value is not None and not _is_null_path(from_value):
        mailboxes = _mailboxes("From", from_value, defects)
        usable = [box for box in mailboxes if box.address]
        if usable:
            return _Sender(usable[0].address, usable[0].name or None, usable[0].local_part, null)
        if null is None:
            raise MalformedMail(f"The From header {_one_line(from_value)[:100]!r} holds no usable address.")
        # A bounce may name its daemon without a domain (`<MAILER-DAEMON>`); the null path excuses it.
        first = mailboxes[0] if mailboxes else _Mailbox("", None, "")
        return _Sender(None, first.name or None, first.local_part, null)
    if from_value is None and return_path is not None and not _is_null_path(return_path):
        box = next((box for box in _mailboxes("Return-Path", return_path, defects) if box.address), None)
        if box is None:
            raise MalformedMail("The message has no From header and its Return-Path holds no usable address.")
        return _Sender(box.address, None, box.local_part, null)
    return _Sender(None, None, None, null)


def _recipients(message: EmailMessage, defects: list[str]) -> tuple[str, ...]:
    named = [(name, value) for name in ("To", "Cc") for value in _values(message, name)]
    # The lenient parser counts a hostile list 25x faster than the structured one reads it.
    rough = sum(1 for _name, address in getaddresses([value for _, value in named]) if address)
    if rough > MAX_RECIPIENTS:
        raise _too_many_recipients(rough)
    found: list[str] = []
    if sum(len(value) for _, value in named) <= MAX_STRUCTURED_RECIPIENTS:
        for name, value in named:
            found.extend(box.address for box in _mailboxes(name, value, defects) if box.address)
    else:
        for _, value in named:
            found.extend(box.address for box in _legacy_mailboxes(value, None) if box.address)
    recipients = tuple(_unique(found))
    if len(recipients) > MAX_RECIPIENTS:
        raise _too_many_recipients(len(recipients))
    return recipients


def _too_many_recipients(count: int) -> MalformedMail:
    return MalformedMail(f"The message has {count} recipients in To and Cc; {MAX_RECIPIENTS} at most.")


@dataclass(frozen=True)
class _Mailbox:
    name: str
    address: str | None  # lower-cased addr-spec; None without a local part and a domain
    local_part: str


def _mailboxes(name: str, value: str, defects: list[str]) -> list[_Mailbox]:
    if len(value) > MAX_ADDRESS_HEADER:
        message = f"The {name} header is {len(value)} characters long; {MAX_ADDRESS_HEADER} at most."
        raise MalformedMail(message)
    try:
        header = _POLICY.header_factory("to", value)  # the address-list grammar, whichever header it is
    except ValueError as exc:
        if "CR or LF" in str(exc):
            # An encoded-word that decodes to a line break inside an address: the parser refuses it.
            message = f"The {name} header hides a line break inside an address (header injection)."
            raise MalformedMail(message) from exc
        return _legacy_mailboxes(value, defects)
    except Exception:  # the grammar still trips over some input (`jan@` raises IndexError in 3.11)
        return _legacy_mailboxes(value, defects)
    defects.extend(type(defect).__name__ for defect in header.defects)
    boxes: tuple[Address, ...] = header.addresses
    return [
        _Mailbox(_one_line(box.display_name), _address(box.addr_spec, box.username, box.domain), box.username)
        for box in boxes
    ]


def _legacy_mailboxes(value: str, defects: list[str] | None) -> list[_Mailbox]:
    """The lenient, linear, regex-based reading: for long lists and what the structured grammar trips on.

    It does not decode encoded-words, so an encoded display name holding `@` can yield a bogus address;
    harmless for To and Cc, which the sender writes freely anyway.
    """
    if defects is not None:  # it stands in for a structured reading that failed
        defects.append("InvalidHeaderDefect")
    boxes = []
    for display_name, spec in getaddresses([value]):
        local_part, _at, domain = spec.rpartition("@")
        address = _address(spec, local_part, domain)
        boxes.append(_Mailbox(_one_line(display_name), address, local_part or spec))
    return boxes


def _address(spec: str, local_part: str, domain: str) -> str | None:
    if not local_part or not domain:
        return None
    return _SPACE.sub("", _clean(spec)).lower() or None


def _is_null_path(value: str) -> bool:
    return not value.strip() or _NULL_PATH.fullmatch(value.strip()) is not None


def _automated(message: EmailMessage, sender: _Sender) -> str | None:
    """Why this mail came from a machine (auto-reply, bounce, list), so intake must not answer it."""
    if _content_type(message) == "multipart/report":
        return "delivery or read report (multipart/report)"
    if sender.null:
        return sender.null
    if sender.local_part and sender.local_part.lower() in DAEMON_LOCAL_PARTS:
        return f"sent by {sender.local_part.lower()}"
    auto_submitted = (_first(message, "auto-submitted") or "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {_one_line(auto_submitted)[:100]}"
    for header in ("X-Autoreply", "X-Autorespond"):
        if _first(message, header) is not None:
            return f"{header} header present"
    precedence = (_first(message, "precedence") or "").strip().lower()
    if precedence in PRECEDENCE_AUTOMATED:
        return f"Precedence: {precedence}"
    return None


def _sent_at(value: str | None, defects: list[str]) -> datetime | None:
    if value is None:
        return None
    try:
        header = _POLICY.header_factory("date", value)
        defects.extend(type(defect).__name__ for defect in header.defects)
        moment: datetime | None = header.datetime
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # "-0000": the time is UTC, the sender's zone unknown
        return moment.astimezone(UTC)
    except Exception:
        # Out-of-range dates overflow in astimezone and some hostile ones trip the parser: no date, then.
        defects.append("InvalidDateDefect")
        return None


def _message_ids(value: str) -> list[str]:
    ids = [_SPACE.sub("", found) for found in _ANGLE_ID.findall(value)]
    if not ids and "<" not in value:
        ids = value.split()  # some mailers leave out the angle brackets
    return _unique(_clean(found) for found in ids if found)


# -- headers ------------------------------------------------------------------------------------------------


def _values(message: MIMEPart, name: str) -> list[str]:
    """Every value of a header as text, read from the raw source.

    The registry's own reading leaves raw 8-bit bytes as surrogates (addresses) or U+FFFD (Latin-1), so
    the raw value is decoded first (UTF-8, else Windows-1252) and only then parsed.
    """
    wanted = name.lower()
    return [_unfold(str(value)) for key, value in message.raw_items() if key.lower() == wanted]


def _first(message: MIMEPart, name: str) -> str | None:
    values = _values(message, name)
    return values[0] if values else None


def _unfold(value: str) -> str:
    return _LINE_BREAK.sub("", _clean(value))


def _unstructured(name: str, value: str, defects: list[str]) -> str:
    try:
        header = _POLICY.header_factory(name, value)
    except Exception:
        defects.append("InvalidHeaderDefect")
        return value
    defects.extend(type(defect).__name__ for defect in header.defects)
    return str(header)


def _one_line(value: str) -> str:
    """Subjects and names go into lists and outgoing headers: no control characters, no line breaks."""
    return _SPACE.sub(" ", _CONTROL.sub("", _clean(value))).strip()


def _clean(value: str) -> str:
    """Text safe for PostgreSQL and for encoding: undecoded bytes decoded, NUL characters gone."""
    if _SURROGATE.search(value):
        # Raw 8-bit bytes, and encoded-words in an unknown charset, come back as escaped bytes.
        value = _ESCAPED_BYTES.sub(lambda run: _guess(run.group().encode("utf-8", "surrogateescape")), value)
        value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "")


# -- body and attachments -----------------------------------------------------------------------------------


def _leaves(message: EmailMessage, defects: list[str]) -> list[MIMEPart]:
    """The non-multipart parts in document order (attached messages stay whole: they are attachments)."""
    leaves: list[MIMEPart] = []
    stack: list[MIMEPart] = [message]
    seen = 0
    while stack:  # a loop, not recursion: nesting depth is the sender's choice
        part = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            raise MalformedMail(f"The message has more than {MAX_PARTS} MIME parts.")
        defects.extend(type(defect).__name__ for defect in part.defects)
        if part.is_multipart() and _content_type(part).startswith("multipart/"):
            stack.extend(reversed(list(part.iter_parts())))
        else:
            leaves.append(part)
    return leaves


def _content(parts: list[MIMEPart], max_attachment_bytes: int) -> tuple[str, tuple[MailAttachment, ...]]:
    plain: list[MIMEPart] = []
    html: list[MIMEPart] = []
    attachments: list[MailAttachment] = []
    for part in parts:
        content_type = _content_type(part)
        filename = _filename(part)
        if filename is None and _disposition(part) != "attachment":
            # A multipart without a usable boundary arrives as one text blob: shown, not lost.
            if content_type == "text/plain" or content_type.startswith("multipart/"):
                plain.append(part)
                continue
            if content_type == "text/html":
                html.append(part)
                continue
        # Anything else the sender put in (named or not, e.g. an inline photo) is kept as an attachment.
        content = _part_bytes(part)
        attachments.append(
            MailAttachment(
                filename=filename,
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content if len(content) <= max_attachment_bytes else None,
            )
        )
    texts = [text for part in plain if (text := _tidy(_part_text(part)))]
    if not texts:  # no plain text, or only an empty plain alternative next to the real HTML
        texts = [text for part in html if (text := _tidy(html_to_text(_part_text(part))))]
    return "\n\n".join(texts), tuple(attachments)


def _content_type(part: MIMEPart) -> str:
    try:
        value = part.get_content_type()
    except Exception:
        return OCTET_STREAM
    return value if _MIME_TYPE.fullmatch(value) else OCTET_STREAM  # e.g. raw 8-bit bytes in the type


def _disposition(part: MIMEPart) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: MIMEPart) -> str | None:
    """The file's own name, without any directory a sender put in front of it."""
    try:
        name = part.get_filename()
    except Exception:
        return None
    if name is None:
        return None
    name = _one_line(re.split(r"[/\\]", _clean(str(name)))[-1])
    if name in ("", ".", ".."):
        return None
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        extension = f".{extension}" if dot and stem and len(extension) <= 16 else ""
        name = name[: MAX_FILENAME - len(extension)] + extension
    return name


def _part_bytes(part: MIMEPart) -> bytes:
    payload: Any = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    inner: Any = part.get_payload()
    if isinstance(inner, list):  # message/rfc822, message/delivery-status: parsed messages, kept as bytes
        return b"".join(_serialise(message) for message in inner)
    return b""


def _serialise(message: Any) -> bytes:
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=_SERIALISE_POLICY).flatten(message)
    except Exception:
        return b""
    return buffer.getvalue()


def _part_text(part: MIMEPart) -> str:
    payload: Any = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return _decode(payload, charset)


def _decode(data: bytes, charset: str | None) -> str:
    """Decode whatever the sender claims; an unknown or lying charset falls back, never fails."""
    name = (charset or "").strip().lower()
    if name in _UNDECLARED_CHARSETS:
        return _guess(data)
    codec = "cp1252" if name in _LATIN1_CHARSETS else name
    try:
        return data.decode(codec, errors="replace")
    except Exception:  # unknown names, and codecs that are not text codecs (zlib, hex, idna ...)
        return _guess(data)


def _guess(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _tidy(text: str) -> str:
    text = _LINE_BREAK.sub("\n", _clean(text)).lstrip("\ufeff")  # UTF-7 can even encode lone surrogates
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


# -- HTML ---------------------------------------------------------------------------------------------------

_SKIPPED = frozenset({"script", "style", "title", "template"})
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "br", "center", "dd", "div", "dl", "dt", "fieldset", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "ol", "p", "pre", "section", "table",
        "tr", "ul",
    }
)  # fmt: skip


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body: scripts and styles dropped, blocks on their own lines."""
    converter = _HtmlText()
    try:
        converter.feed(_defuse(markup))
        converter.close()
    except Exception:  # html.parser still asserts on some malformed input; strip tags the crude way then
        return _tidy(_BLANK_LINES.sub("\n\n", unescape(_TAG.sub(" ", markup))))
    return converter.text()


def _defuse(markup: str) -> str:
    """Pass on only complete `<...>` tags, drop comments and declarations, escape every other `<`.

    html.parser rescans from each stray `<` to the end of its input: 400 kB of `a<a<` took minutes.
    Here every search moves forward only, so hostile markup costs linear time.
    """
    out: list[str] = []
    position, length, close = 0, len(markup), -1
    while position < length:
        start = markup.find("<", position)
        if start < 0:
            out.append(markup[position:])
            break
        out.append(markup[position:start])
        if markup.startswith("<!--", start):
            end = markup.find("-->", start + 4)
            if end < 0:
                break  # an unclosed comment runs to the end of the document
            position = end + 3
            continue
        if close <= start:
            close = markup.find(">", start + 1)
            if close < 0:
                close = length
        if close == length or markup.find("<", start + 1, close) >= 0:
            out.append("&lt;")
            position = start + 1
            continue
        if markup[start + 1 : start + 2] not in ("!", "?"):  # doctype, CDATA, <?xml ...>: no text in them
            out.append(markup[start : close + 1])
        position = close + 1
    return "".join(out)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._chunks: list[str] = []
        self._skipping: str | None = None
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skipping = None  # a <title> without its end tag must not swallow the whole body
        elif tag in _SKIPPED:
            self._skipping = tag
        elif tag == "li":
            self._chunks.append("\n- ")
        elif tag in ("td", "th"):
            self._chunks.append(" ")
        elif tag in _BLOCKS:
            self._chunks.append("\n")
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # `<br/>` is one line break, not an opening and a closing one

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skipping:
            self._skipping = None
        elif tag in _BLOCKS and tag not in ("br", "hr"):
            self._chunks.append("\n")
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if self._skipping is None:
            self._chunks.append(data if self._pre else _SPACE.sub(" ", data))

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self._chunks).replace("\xa0", " ").split("\n"))
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
