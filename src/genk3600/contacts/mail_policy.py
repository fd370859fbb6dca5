"""What a parsed mail is and whom it is from: the one place that decides, and says why. Pure, like mail.py.

The parser reports facts (headers as read, the delivery report); this module turns them into a verdict:
- the kind: a `person` wrote it, or a machine did (`auto-reply`, `bounce`, `list`), which never opens a ticket
  and is never answered (no mail loops);
- the citizen's address: Reply-To when the sender asked replies to go there (a web form's `noreply@`
  mail), else the sender;
- for a bounce, which of our messages it returns and why it failed.
Its `details()` are stored on the contact, so an agent can read why the mail was treated as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from genk3600.contacts.mail import ParsedMail

DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})
# Precedence values: `bulk` and `list` are mass mail, `junk` and `auto_reply` are robots' answers.
PRECEDENCE_LIST = frozenset({"bulk", "list"})
PRECEDENCE_AUTO_REPLY = frozenset({"junk", "auto_reply"})
LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post")
# Exchange asks not to be answered with these (All, or an out-of-office/auto-reply suppression).
SUPPRESSED_RESPONSES = frozenset({"all", "oof", "autoreply"})


class MailKind(StrEnum):
    person = "person"
    auto_reply = "auto-reply"
    bounce = "bounce"
    list = "list"


@dataclass(frozen=True)
class Bounce:
    """One of our own messages that did not reach its recipient."""

    message_ids: tuple[str, ...]  # of the returned message (ours, if we sent it)
    reason: str
    recipient: str | None


@dataclass(frozen=True)
class MailVerdict:
    kind: MailKind
    why: tuple[str, ...]  # what made it this kind; empty for a person
    citizen_address: str | None  # None for machines' mail
    citizen_header: str | None  # which header named the citizen
    bounce: Bounce | None

    @property
    def automated(self) -> bool:
        return self.kind is not MailKind.person

    def details(self) -> dict[str, Any]:
        """The verdict as stored on the contact (channel_details["classification"])."""
        return {
            "kind": self.kind.value,
            "why": list(self.why),
            "citizen": self.citizen_address,
            "citizen_from": self.citizen_header,
            "bounce": (
                {"message_ids": list(self.bounce.message_ids), "reason": self.bounce.reason}
                if self.bounce is not None
                else None
            ),
        }


def classify(parsed: ParsedMail, own_addresses: Iterable[str] = ()) -> MailVerdict:
    """Decide what the mail is and who the citizen is; `own_addresses` are the intake's own mailboxes."""
    bounce_why = _bounce(parsed)
    if bounce_why:
        return MailVerdict(MailKind.bounce, bounce_why, None, None, _returned(parsed))
    auto_why = _auto_reply(parsed)
    if auto_why:
        return MailVerdict(MailKind.auto_reply, auto_why, None, None, None)
    list_why = _list(parsed)
    if list_why:
        return MailVerdict(MailKind.list, list_why, None, None, None)
    ours = {address.strip().lower() for address in own_addresses}
    # A Reply-To naming one of our own mailboxes would make us the citizen (and answer ourselves).
    if parsed.reply_to and parsed.reply_to != parsed.from_address and parsed.reply_to not in ours:
        return MailVerdict(MailKind.person, (), parsed.reply_to, "Reply-To", None)
    return MailVerdict(MailKind.person, (), parsed.from_address, parsed.sender_header, None)


def _header(parsed: ParsedMail, name: str) -> str | None:
    return next((value for header, value in parsed.automation_headers if header == name), None)


def _bounce(parsed: ParsedMail) -> tuple[str, ...]:
    why: list[str] = []
    if parsed.content_type == "multipart/report" and parsed.report_type != "disposition-notification":
        why.append(f"delivery report (multipart/report; report-type={parsed.report_type or 'none'})")
    elif parsed.delivery_report is not None:
        why.append("delivery status part (message/delivery-status)")
    if parsed.null_sender:
        why.append(parsed.null_sender)
    local_part = (parsed.from_address or "").rpartition("@")[0]
    if local_part in DAEMON_LOCAL_PARTS:
        why.append(f"sent by {local_part}")
    return tuple(why)


def _returned(parsed: ParsedMail) -> Bounce | None:
    """Which message bounced and why: the report's own facts, else the ids the bounce answers."""
    report = parsed.delivery_report
    if report is not None and report.action not in (None, "failed"):
        return None  # `delayed`, `delivered`, `relayed`: the message is still on its way or arrived
    ids = tuple(dict.fromkeys((*(report.returned_message_ids if report else ()), *parsed.in_reply_to)))
    if not ids:
        return None
    if report is not None:
        reason = "; ".join(part for part in (report.status, report.diagnostic) if part) or "delivery failed"
        recipient = report.recipients[0] if report.recipients else None
    else:
        reason, recipient = parsed.subject or "delivery failed", None
    return Bounce(ids, reason[:1000], recipient)


def _auto_reply(parsed: ParsedMail) -> tuple[str, ...]:
    why: list[str] = []
    if parsed.content_type == "multipart/report":
        why.append("read report (multipart/report; report-type=disposition-notification)")
    auto_submitted = (_header(parsed, "Auto-Submitted") or "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        why.append(f"Auto-Submitted: {auto_submitted[:100]}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Loop"):
        if _header(parsed, name) is not None:
            why.append(f"{name} header present")
    suppress = {word.strip().lower() for word in (_header(parsed, "X-Auto-Response-Suppress") or "").split(",")}
    if suppress & SUPPRESSED_RESPONSES:
        why.append(f"X-Auto-Response-Suppress: {_header(parsed, 'X-Auto-Response-Suppress')}")
    precedence = _precedence(parsed)
    if precedence in PRECEDENCE_AUTO_REPLY:
        why.append(f"Precedence: {precedence}")
    return tuple(why)


def _list(parsed: ParsedMail) -> tuple[str, ...]:
    why = [f"{name} header present" for name in LIST_HEADERS if _header(parsed, name) is not None]
    precedence = _precedence(parsed)
    if precedence in PRECEDENCE_LIST:
        why.append(f"Precedence: {precedence}")
    return tuple(why)


def _precedence(parsed: ParsedMail) -> str:
    words = (_header(parsed, "Precedence") or "").replace(";", " ").split()
    return words[0].lower() if words else ""
