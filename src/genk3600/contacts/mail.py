"""Inbound mail: raw RFC 5322 bytes in, the facts intake needs out. Pure: no I/O, no database.

Every input is treated as hostile. The stdlib parser is lenient (it records defects rather than failing),
yet some inputs still make it raise, recurse too deep or mislead; `parse_mail` turns all of those into
`MalformedMail`, so a caller needs exactly one except clause and can keep the raw bytes for a person.
"""

from __future__ import annotations

import base64
import binascii
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

from charset_normalizer import from_bytes

from genk3600.kit.reference import REFERENCE_IN_TEXT

MAX_RECIPIENTS = 10_000
# A citizen's mail has a handful of parts; thousands only make every later step (storage, scanning) slow.
MAX_PARTS = 1_000
# References grows by one id per reply. The root (the first id, which RFC 5322 says to keep when trimming)
# and the newest ids name the thread's known ends; a bound keeps a hostile header from turning into
# thousands of lookups.
MAX_THREAD_IDS = 50
MAX_FILENAME = 255
# The stdlib's header grammar is quadratic on some input (100 kB of `"` in To takes minutes), so it only
# ever reads bounded values: longer MIME headers are refused, long recipient lists are read the fast way.
MAX_MIME_HEADER = 4_000  # one Content-Type/-Disposition/-Transfer-Encoding; fits a long RFC 2231 name
MAX_MIME_HEADERS = 256_000  # all of them together: hundreds of parts
MAX_MIME_SPECIALS = 100  # quotes, brackets, `;` ... in one; a long RFC 2231 file name needs some 30 `;`
MAX_ADDRESS_HEADER = 2_000  # From, Return-Path
MAX_STRUCTURED_RECIPIENTS = 4_000  # To and Cc together; a longer list is read with the lenient parser
MAX_SUBJECT_SOURCE = 100_000  # raw, before decoding; decoding is linear, this only bounds the work
MAX_SUBJECT = 4_000  # decoded: a subject, not a document
# Enough of a body to tell its charset; the detector costs some 1 ms per 4 kB, and a hostile mail may have
# a thousand undeclared 8-bit parts.
CHARSET_SAMPLE = 4_096
DERIVED_ID_DOMAIN = "genk3600.invalid"
OCTET_STREAM = "application/octet-stream"

# Headers that tell a machine's mail from a person's; their values go to the policy (mail_policy.py) as read.
AUTOMATION_HEADERS = (
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "X-Loop",
    "Precedence",
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
)
# Headers relays add or rewrite in transit: the same message relayed twice differs only in these.
TRACE_HEADERS = frozenset(
    {
        "received", "return-path", "delivered-to", "x-original-to", "x-received", "authentication-results",
        "arc-seal", "arc-message-signature", "arc-authentication-results", "received-spf", "x-spam-status",
        "x-spam-score", "x-spam-level", "x-spam-flag", "x-virus-scanned", "x-forwarded-to", "x-forwarded-for",
    }
)  # fmt: skip

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
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]+")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_ANGLE_ID = re.compile(r"<([^<>]*)>")
_NULL_PATH = re.compile(r"<\s*>")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
# Declared "no charset" is, in practice, anything: UTF-8 if it decodes, else a guess (_guess).
_UNDECLARED_CHARSETS = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown"})
# Mailers declare the old standard charset and write its vendor superset (as browsers assume too): GB2312
# mail holds GBK characters, Shift_JIS mail Microsoft's extensions, and so on.
_SUPERSETS = {
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1"), "cp1252"),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk", "euc-cn", "cp936", "gb_2312-80", "csgb2312"), "gb18030"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis"), "cp932"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "ks_c_5601", "ksc5601", "cseuckr"), "cp949"),
    **dict.fromkeys(("big5", "csbig5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("tis-620", "iso-8859-11"), "cp874"),
}
# Undeclared 8-bit text: what the detector may answer. Single-byte Western text is ambiguous between the
# cp125x code pages, so cp1252 (the Western European one, as a Belgian mailbox gets most) wins a tie.
_DETECTABLE = [
    "cp1252", "cp932", "euc_jp", "iso2022_jp", "gb18030", "big5hkscs", "cp949", "cp1251", "koi8_r", "cp1250",
    "cp1253", "cp1254", "cp1255", "cp1256",
]  # fmt: skip
_MULTIBYTE = frozenset({"cp932", "euc_jp", "iso2022_jp", "gb18030", "big5hkscs", "cp949"})
_NON_LATIN = frozenset({"cp1251", "koi8_r", "cp1253", "cp1255", "cp1256"})
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_ENCODED_WORD_CHARSET = re.compile(r"(=\?)([^?\s*]+)((?:\*[^?\s]*)?\?[bBqQ]\?)")
_WHITESPACE_ONLY = re.compile(r"\s*")
_HEADER_LINE = re.compile(_HEADER_NAME)  # a line that starts a header
_UNBRACKETED_MAILBOX = re.compile(r"([^<>@()\",;:]*[^\s<>@()\",;:])\s+([^\s<>@()\",;:]+@[^\s<>@()\",;:]+)")
_TRAILING_DOTS = re.compile(r"(@[^\s<>@,;]*?)\.+(?=[>\s,;]|$)")
_FILENAME_PARAM = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)""", re.IGNORECASE)
_EXTENSIONS = {
    "message/rfc822": ".eml", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "image/heic": ".heic", "image/bmp": ".bmp", "image/tiff": ".tif", "application/pdf": ".pdf", "text/plain": ".txt",
    "text/html": ".html", "text/calendar": ".ics", "text/rfc822-headers": ".txt",
    "message/delivery-status": ".txt", "application/zip": ".zip",
}  # fmt: skip


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
class DeliveryReport:
    """What a delivery status notification (RFC 3464) says about the message it returns."""

    recipients: tuple[str, ...]  # Final-Recipient addresses, lower-cased
    action: str | None  # failed, delayed, delivered, relayed, expanded
    status: str | None  # e.g. 5.1.1
    diagnostic: str | None  # the remote server's own words, on one line
    returned_message_ids: tuple[str, ...]  # Message-ID of the returned message (or its headers)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without <>; "sha256-<hex of the message without trace headers>@genk3600.invalid" if missing
    from_address: str | None  # lower-cased; None only for a null sender (bounce)
    from_name: str | None
    sender_header: str | None  # which header named from_address: From, Sender or Return-Path
    null_sender: str | None  # why the sender is the null sender of a bounce (`<>`), if it is
    reply_to: str | None  # the first usable Reply-To address, lower-cased
    reply_to_name: str | None
    to: tuple[str, ...]  # To and Cc, lower-cased, each once
    subject: str  # decoded, on one line, "" when missing
    text: str  # the plain-text body, or the HTML body as readable text; LF line ends
    in_reply_to: tuple[str, ...]  # message-ids without <>
    references: tuple[str, ...]  # message-ids without <>: the first (the root) and the newest, MAX_THREAD_IDS
    ticket_references: tuple[str, ...]  # references (kit/reference.py) found in the subject, upper-cased, in order
    content_type: str  # of the message itself, e.g. multipart/report
    report_type: str | None  # the report-type of a multipart/report, lower-cased
    automation_headers: tuple[tuple[str, str], ...]  # (name, value) of AUTOMATION_HEADERS present, as read
    delivery_report: DeliveryReport | None  # for a delivery status notification
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
    defects: list[str] = []
    message = message_from_bytes(_repair_header_block(raw, defects), policy=_POLICY)
    if not message.keys():
        raise MalformedMail("The message has no header lines, so it is not an e-mail message.")
    sender = _sender(message, defects)
    reply_to = _reply_to(message, defects)
    to = _recipients(message, defects)
    subject = _one_line(_decode_words(_first(message, "subject") or "", defects))[:MAX_SUBJECT]
    parts = _leaves(message, defects)
    text, attachments = _content(parts, max_attachment_bytes)
    message_ids = _message_ids(_first(message, "message-id") or "")
    content_type = _content_type(message)
    return ParsedMail(
        message_id=message_ids[0] if message_ids else _derived_message_id(raw),
        from_address=sender.address,
        from_name=sender.name,
        sender_header=sender.header,
        null_sender=sender.null,
        reply_to=reply_to.address if reply_to else None,
        reply_to_name=(reply_to.name or None) if reply_to else None,
        to=to,
        subject=subject,
        text=text,
        in_reply_to=_thread_ids(_message_ids(" ".join(_values(message, "in-reply-to")))),
        references=_thread_ids(_message_ids(" ".join(_values(message, "references")))),
        ticket_references=tuple(_unique(match.upper() for match in REFERENCE_IN_TEXT.findall(subject))),
        content_type=content_type,
        report_type=_report_type(message) if content_type == "multipart/report" else None,
        automation_headers=tuple(
            (name, _one_line(value)[:200]) for name in AUTOMATION_HEADERS for value in _values(message, name)[:1]
        ),
        delivery_report=_delivery_report(parts),
        sent_at=_sent_at(_first(message, "date"), defects),
        attachments=attachments,
        header_defects=tuple(_unique(defects)),
    )


def _thread_ids(ids: list[str]) -> tuple[str, ...]:
    if len(ids) <= MAX_THREAD_IDS:
        return tuple(ids)
    return (ids[0], *ids[-(MAX_THREAD_IDS - 1) :])


def _derived_message_id(raw: bytes) -> str:
    """The same message delivered twice gets the same id, so a relay's retry is recognised as a duplicate.

    Relays change what is not the message: line ends (CRLF, LF), trace headers they add (Received ...),
    trailing white space. Those are left out of the hash; every other byte counts.
    """
    lines = _LINE_BREAK_BYTES.split(raw)
    kept: list[bytes] = []
    in_headers, dropping = True, False
    for line in lines:
        if in_headers:
            if not line.strip():
                in_headers = False
            elif line[:1] in (b" ", b"\t"):
                if dropping:
                    continue
            else:
                dropping = line.partition(b":")[0].strip().lower().decode("ascii", "replace") in TRACE_HEADERS
                if dropping:
                    continue
        kept.append(line.rstrip())
    normalised = b"\n".join(kept).strip()
    return f"sha256-{hashlib.sha256(normalised).hexdigest()}@{DERIVED_ID_DOMAIN}"


def _repair_header_block(raw: bytes, defects: list[str]) -> bytes:
    """Read what a mature mail reader reads: junk before the first header goes, and a line in the middle of
    the headers that is neither a header nor indented is a continuation its mailer forgot to indent.

    Only lines followed by more header lines are touched: the first line that is not a header and has no
    header after it is where the body starts (a message without the empty separator line).
    """
    end = _HEADER_END.search(raw)
    block = raw[: end.start()] if end else raw
    lines = block.splitlines(keepends=True)
    headers = [index for index, line in enumerate(lines) if _HEADER_LINE.match(line)]
    if not headers:
        return raw
    last = headers[-1]
    if headers[0] == 0 and all(_HEADER_LINE.match(line) or line[:1] in (b" ", b"\t") for line in lines[:last]):
        return raw  # the usual case: headers and indented continuations only
    repaired: list[bytes] = []
    for line in lines[: last + 1]:
        if _HEADER_LINE.match(line) or (repaired and line[:1] in (b" ", b"\t")):
            repaired.append(line)
        elif not repaired:
            defects.append("JunkBeforeHeadersDefect")  # e.g. a gateway's banner or an mbox separator
        elif line.strip():
            defects.append("UnindentedContinuationDefect")
            repaired.append(b" " + line)
    return b"".join(repaired) + b"".join(lines[last + 1 :]) + raw[len(block) :]


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
    header: str | None  # which header named the address
    null: str | None  # why the sender counts as a null sender (bounce), if it does


def _sender(message: EmailMessage, defects: list[str]) -> _Sender:
    """Who sent it: the first usable address of From, then Sender, then Return-Path.

    A person's mail with a missing or unreadable From still names its sender elsewhere (its mailer's
    Sender, the envelope's Return-Path); only the null path `<>` makes a null sender, as bounces have.
    Several From headers are read in order (a mature helpdesk does not refuse them) and flagged.
    """
    from_values = _values(message, "from")
    return_path = _first(message, "return-path")
    if len(from_values) > 1:
        defects.append("MultipleFromHeadersDefect")
    null = None
    if from_values and all(_is_null_path(value) for value in from_values):
        null = "null sender (From: <>)"
    elif return_path is not None and _is_null_path(return_path):
        null = "null sender (Return-Path: <>)"
    first_name = None
    for header, values in (("From", from_values), ("Sender", _values(message, "sender")[:1])):
        for value in values:
            if _is_null_path(value):
                continue
            mailboxes = _mailboxes(header, _mend_address(value, defects), defects)
            first_name = first_name or next((box.name for box in mailboxes if box.name), None)
            usable = next((box for box in mailboxes if box.address), None)
            if usable is not None:
                return _Sender(usable.address, usable.name or first_name, header, null)
    if return_path is not None and not _is_null_path(return_path):
        usable = next((box for box in _mailboxes("Return-Path", return_path, defects) if box.address), None)
        if usable is not None:
            return _Sender(usable.address, first_name, "Return-Path", null)
    if null is not None:
        # A bounce may name its daemon without a domain (`<MAILER-DAEMON>`); the null path excuses it.
        return _Sender(None, first_name, None, null)
    if not from_values and return_path is None:
        raise MalformedMail("The message has no From, Sender or Return-Path header, so it has no sender.")
    raise MalformedMail("Neither From, Sender nor Return-Path holds a usable address.")


def _reply_to(message: EmailMessage, defects: list[str]) -> _Mailbox | None:
    for value in _values(message, "reply-to")[:1]:
        boxes = _mailboxes("Reply-To", _mend_address(value, defects), defects)
        return next((box for box in boxes if box.address), None)
    return None


def _mend_address(value: str, defects: list[str]) -> str:
    """What people mean by two common slips: `Jan Peeters jan@x.be` (no brackets) and `jan@x.be.`."""
    if len(value) > MAX_ADDRESS_HEADER:
        return value  # refused by _mailboxes; the patterns below need not read it
    mended = _TRAILING_DOTS.sub(r"\1", value)
    if "<" not in mended and (bare := _UNBRACKETED_MAILBOX.fullmatch(mended.strip())):
        mended = f'"{bare.group(1)}" <{bare.group(2)}>'
    if mended != value:
        defects.append("MendedAddressDefect")
    return mended


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
    return [_supersets(_unfold(str(value))) for key, value in message.raw_items() if key.lower() == wanted]


def _supersets(value: str) -> str:
    """Encoded-words name their charset's superset, so the stdlib's own decoding (names) reads them too."""
    if "=?" not in value:
        return value
    return _ENCODED_WORD_CHARSET.sub(lambda word: word[1] + _charset(word[2]) + word[3], value)


def _charset(name: str) -> str:
    name = name.strip().lower()
    return _SUPERSETS.get(name, name)


def _decode_words(value: str, defects: list[str]) -> str:
    """Decode RFC 2047 encoded-words with our charset rules; white space between two of them goes.

    Adjacent words in one charset are joined as bytes before decoding: mailers split a multi-byte
    character across two words.
    """
    value = value[:MAX_SUBJECT_SOURCE]
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    position = 0

    def flush() -> None:
        if pending:
            out.append(_decode(b"".join(pending), pending_charset))
            pending.clear()

    for word in _ENCODED_WORD.finditer(value):
        gap = value[position : word.start()]
        if not (pending and _WHITESPACE_ONLY.fullmatch(gap)):
            flush()
            out.append(gap)
        position = word.end()
        charset, encoding, payload = word[1], word[2].lower(), word[3]
        try:
            if encoding == "b":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4))
            else:
                data = binascii.a2b_qp(payload.encode("utf-8"), header=True)
        except (binascii.Error, ValueError):
            defects.append("InvalidBase64CharactersDefect")
            flush()
            out.append(word.group())
            continue
        if pending and _charset(charset) != pending_charset:
            flush()
        pending.append(data)
        pending_charset = _charset(charset)
    flush()
    out.append(value[position:])
    return "".join(out)


def _first(message: MIMEPart, name: str) -> str | None:
    values = _values(message, name)
    return values[0] if values else None


def _unfold(value: str) -> str:
    return _LINE_BREAK.sub("", _clean(value))


def _one_line(value: str) -> str:
    """Subjects and names go into lists and outgoing headers: no control characters, no line breaks."""
    return _SPACE.sub(" ", _CONTROL.sub("", _clean(value))).strip()


def _clean(value: str) -> str:
    """Text safe for PostgreSQL and for encoding: undecoded bytes decoded, NUL characters gone."""
    if _SURROGATE.search(value):
        # Raw 8-bit bytes, and encoded-words in an unknown charset, come back as escaped bytes. Read whole
        # when the rest is ASCII: multi-byte charsets (Shift_JIS) have ASCII bytes inside their characters.
        try:
            value = _guess(value.encode("ascii", "surrogateescape"))
        except UnicodeEncodeError:
            value = _ESCAPED_BYTES.sub(lambda run: _guess(run.group().encode("utf-8", "surrogateescape")), value)
        value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "")


# -- body and attachments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leaf:
    part: MIMEPart
    # For each multipart/alternative above the part: (that multipart's position, which of its children).
    alternatives: tuple[tuple[int, int], ...]


def _leaves(message: EmailMessage, defects: list[str]) -> list[_Leaf]:
    """The non-multipart parts in document order (attached messages stay whole: they are attachments)."""
    leaves: list[_Leaf] = []
    stack: list[tuple[MIMEPart, tuple[tuple[int, int], ...]]] = [(message, ())]
    seen = 0
    while stack:  # a loop, not recursion: nesting depth is the sender's choice
        part, alternatives = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            raise MalformedMail(f"The message has more than {MAX_PARTS} MIME parts.")
        defects.extend(type(defect).__name__ for defect in part.defects)
        content_type = _content_type(part)
        if part.is_multipart() and content_type.startswith("multipart/"):
            children = list(part.iter_parts())
            if content_type == "multipart/alternative":
                stack.extend((child, (*alternatives, (seen, n))) for n, child in reversed(list(enumerate(children))))
            else:
                stack.extend((child, alternatives) for child in reversed(children))
        else:
            leaves.append(_Leaf(part, alternatives))
    return leaves


def _content(leaves: list[_Leaf], max_attachment_bytes: int) -> tuple[str, tuple[MailAttachment, ...]]:
    """The body text and the attachments.

    Every inline text part counts, plain or HTML (a mixed message's unnamed HTML part is part of what was
    written), except within a multipart/alternative: there one child is the body, the first with plain
    text, else the first with any text, and its siblings are other renderings of the same words.
    """
    texts: list[tuple[_Leaf, str, bool]] = []  # leaf, its text, whether it is plain text
    attachments: list[MailAttachment] = []
    for leaf in leaves:
        part = leaf.part
        content_type = _content_type(part)
        filename = _filename(part)
        if filename is None and _disposition(part) != "attachment":
            # A multipart without a usable boundary arrives as one text blob: shown, not lost.
            if content_type == "text/plain" or content_type.startswith("multipart/"):
                texts.append((leaf, _tidy(_part_text(part)), True))
                continue
            if content_type == "text/html":
                texts.append((leaf, _tidy(html_to_text(_part_text(part))), False))
                continue
        # Anything else the sender put in (named or not, e.g. an inline photo) is kept as an attachment.
        content = _part_bytes(part)
        attachments.append(
            MailAttachment(
                filename=filename or _unnamed(part, content_type, len(attachments) + 1),
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content if len(content) <= max_attachment_bytes else None,
            )
        )
    chosen: dict[int, int] = {}  # alternative -> the child that is the body
    for prefer_plain in (True, False):
        for leaf, text, plain in texts:
            for alternative, child in leaf.alternatives:
                if text and (plain or not prefer_plain):
                    chosen.setdefault(alternative, child)
    body = [
        text
        for leaf, text, _plain in texts
        if text and all(chosen.get(alternative) == child for alternative, child in leaf.alternatives)
    ]
    return "\n\n".join(body), tuple(attachments)


def _unnamed(part: MIMEPart, content_type: str, number: int) -> str:
    """A name for a file its sender did not name: a forwarded mail by its subject, others by kind."""
    extension = _EXTENSIONS.get(content_type, ".bin")
    if content_type == "message/rfc822":
        inner: Any = part.get_payload()
        forwarded = inner[0] if isinstance(inner, list) and inner else None
        subject = _one_line(_decode_words(str(forwarded.get("subject", "")), [])) if forwarded is not None else ""
        stem = re.sub(r"[/\\]", "-", subject)[: MAX_FILENAME - len(extension)].strip() or "forwarded message"
        return stem + extension
    kind = "image" if content_type.startswith("image/") else "attachment"
    return f"{kind}-{number}{extension}"


def _report_type(message: EmailMessage) -> str | None:
    try:
        value = message.get_param("report-type")
    except Exception:
        return None
    return _one_line(str(value)).lower()[:100] if isinstance(value, str) else None


def _delivery_report(leaves: list[_Leaf]) -> DeliveryReport | None:
    """The facts of a delivery status notification: its per-recipient fields and the returned message's id."""
    status_blocks: list[Any] = []
    returned: list[str] = []
    for leaf in leaves:
        content_type = _content_type(leaf.part)
        if content_type in ("message/delivery-status", "message/global-delivery-status"):
            payload: Any = leaf.part.get_payload()
            if isinstance(payload, list):
                status_blocks.extend(payload)
        elif content_type in ("message/rfc822", "message/global"):
            payload = leaf.part.get_payload()
            if isinstance(payload, list) and payload:
                returned += _message_ids(_clean(str(payload[0].get("message-id", ""))))
        elif content_type in ("text/rfc822-headers", "message/global-headers"):
            headers = message_from_bytes(_part_bytes(leaf.part), policy=_POLICY)
            returned += _message_ids(_clean(str(headers.get("message-id", ""))))
    if not status_blocks:
        return None
    recipients: list[str] = []
    fields: dict[str, str] = {}
    for block in status_blocks:
        recipient = _clean(str(block.get("final-recipient", ""))).rpartition(";")[2].strip().strip("<>").lower()
        if recipient:
            recipients.append(_one_line(recipient)[:MAX_ADDRESS_HEADER])
        for name in ("action", "status", "diagnostic-code"):
            value = block.get(name)
            if value is not None and name not in fields:
                fields[name] = _one_line(_clean(str(value)))[:1000]
    return DeliveryReport(
        recipients=tuple(_unique(recipients)),
        action=fields.get("action", "").lower() or None,
        status=fields.get("status") or None,
        diagnostic=fields.get("diagnostic-code") or None,
        returned_message_ids=tuple(_unique(returned))[:MAX_THREAD_IDS],
    )


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
    if "\ufffd" in str(name):
        name = _raw_filename(part) or name
    name = _one_line(re.split(r"[/\\]", _clean(str(name)))[-1])
    if name in ("", ".", ".."):
        return None
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        extension = f".{extension}" if dot and stem and len(extension) <= 16 else ""
        name = name[: MAX_FILENAME - len(extension)] + extension
    return name


def _raw_filename(part: MIMEPart) -> str | None:
    """A file name written in raw 8-bit bytes, which the header registry reads as U+FFFD: read the raw
    header instead, whose undecoded bytes _clean then decodes like any undeclared text."""
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and _SURROGATE.search(value):
            found = _FILENAME_PARAM.search(_LINE_BREAK.sub("", value))
            if found:
                return found[1].strip().strip('"')
    return None


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
    name = _charset(charset or "")
    if name in _UNDECLARED_CHARSETS:
        return _guess(data)
    try:
        return data.decode(name, errors="replace")
    except Exception:  # unknown names, and codecs that are not text codecs (zlib, hex, idna ...)
        return _guess(data)


def _guess(data: bytes) -> str:
    """Text in an undeclared charset: UTF-8 if it is, else what the detector finds (cp1252 on a tie)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return data.decode(_detect(data[:CHARSET_SAMPLE]), errors="replace")


def _detect(sample: bytes) -> str:
    try:
        matches = list(from_bytes(sample, cp_isolation=_DETECTABLE))
    except Exception:  # a detector's failure must not cost the mail
        return "cp1252"
    if not matches:
        return "cp1252"
    best = min(match.chaos for match in matches)
    close = [match for match in matches if match.chaos <= best + 0.01]
    if any("cp1252" in match.could_be_from_charset for match in close):
        return "cp1252"
    chosen = close[0]
    # Multi-byte text (Japanese, Chinese, Korean) and non-Latin scripts are told apart reliably; for the
    # Latin code pages the detector's pick among cp125x is a coin toss on short text, so cp1252 stays.
    if chosen.encoding in _MULTIBYTE or chosen.encoding in _NON_LATIN:
        return str(chosen.encoding)
    return "cp1252"


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
