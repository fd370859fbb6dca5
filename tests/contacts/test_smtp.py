"""The SMTP listener, spoken to over a real socket with smtplib: accepted, refused, too big, retried."""

from __future__ import annotations

import asyncio
import re
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from genk3600.contacts.smtp import IntakeHandler, serve_smtp, smtp_controller
from tests.factories import free_port, until_listening

HOST = "127.0.0.1"
LIMIT = 10_000
INTAKE = ["info@genk.be", "OCMW@Genk.be"]
CORPUS = Path(__file__).parent / "mail_corpus"


@dataclass
class Inbox:
    """A deliver() that records what it got, or fails on demand."""

    messages: list[tuple[bytes, str | None, tuple[str, ...]]] = field(default_factory=list)
    failing: bool = False

    async def deliver(self, raw: bytes, sender: str | None, recipients: tuple[str, ...]) -> None:
        if self.failing:
            raise RuntimeError("database unavailable")
        self.messages.append((raw, sender, recipients))


def on_the_wire(raw: bytes) -> bytes:
    """What SMTP carries (and what the server hands over): CRLF line ends."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def controller(inbox: Inbox) -> Iterator[Controller]:
    handler = IntakeHandler(INTAKE, inbox.deliver)
    controller = smtp_controller(handler, HOST, free_port(), LIMIT, server_hostname="mx.genk3600.test")
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def client(controller: Controller) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP(HOST, controller.port, local_hostname="relay.example.org", timeout=10) as client:
        yield client


def test_mail_is_handed_over_byte_for_byte(client: smtplib.SMTP, inbox: Inbox) -> None:
    # 8-bit Latin-1 and a line starting with a dot (which SMTP escapes in transit) both arrive intact.
    raw = on_the_wire(CORPUS.joinpath("latin1_encoded_word.eml").read_bytes() + b".punt\n")

    refused = client.sendmail("Renee.Clement@example.be", ["info@genk.be", "ocmw@GENK.be"], raw)

    assert refused == {}
    assert inbox.messages == [(raw, "Renee.Clement@example.be", ("info@genk.be", "ocmw@genk.be"))]


def test_server_introduces_itself_with_its_limit(client: smtplib.SMTP) -> None:
    code, _ = client.ehlo()

    assert code == 250
    assert client.esmtp_features["size"] == str(LIMIT)
    assert "8bitmime" in client.esmtp_features


def test_null_sender_arrives_as_none(client: smtplib.SMTP, inbox: Inbox) -> None:
    client.sendmail("<>", ["info@genk.be"], on_the_wire(CORPUS.joinpath("bounce.eml").read_bytes()))

    assert inbox.messages[0][1] is None


def test_unknown_recipient_is_refused_and_nothing_delivered(client: smtplib.SMTP, inbox: Inbox) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("jan@example.org", ["niemand@genk.be"], b"Subject: x\r\n\r\nHallo\r\n")

    assert refused.value.recipients == {"niemand@genk.be": (550, b"5.1.1 No such mailbox here")}
    assert inbox.messages == []


def test_mail_for_known_and_unknown_recipients_reaches_the_known(client: smtplib.SMTP, inbox: Inbox) -> None:
    refused = client.sendmail(
        "jan@example.org", ["niemand@genk.be", "info@genk.be", "INFO@genk.be"], b"Subject: x\r\n\r\nHallo\r\n"
    )

    assert refused == {"niemand@genk.be": (550, b"5.1.1 No such mailbox here")}
    assert [recipients for _, _, recipients in inbox.messages] == [("info@genk.be",)]


def test_oversized_mail_announced_with_size_is_refused_up_front(client: smtplib.SMTP, inbox: Inbox) -> None:
    big = b"Subject: groot\r\n\r\n" + (b"x" * 80 + b"\r\n") * 200

    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("jan@example.org", ["info@genk.be"], big)  # smtplib sends SIZE= when offered

    assert refused.value.smtp_code == 552
    assert inbox.messages == []


def test_oversized_mail_without_size_is_refused_after_data(client: smtplib.SMTP, inbox: Inbox) -> None:
    client.ehlo()
    client.mail("jan@example.org")  # no SIZE= parameter: the server only finds out while reading
    client.rcpt("info@genk.be")

    code, message = client.data((b"Subject: groot\r\n\r\n" + b"x" * 80 + b"\r\n") * 200)

    assert (code, inbox.messages) == (552, [])
    assert message.startswith(b"Error: Too much mail data")


def test_failed_delivery_asks_the_relay_to_retry_and_the_listener_carries_on(
    client: smtplib.SMTP, inbox: Inbox
) -> None:
    raw = b"From: jan@example.org\r\nSubject: x\r\n\r\nHallo\r\n"
    inbox.failing = True

    with pytest.raises(smtplib.SMTPDataError) as retry:
        client.sendmail("jan@example.org", ["info@genk.be"], raw)

    assert (retry.value.smtp_code, retry.value.smtp_error) == (451, b"4.3.0 Temporary failure, please retry")
    inbox.failing = False
    client.sendmail("jan@example.org", ["info@genk.be"], raw)  # same connection, next transaction
    assert inbox.messages == [(raw, "jan@example.org", ("info@genk.be",))]


def test_limit_must_be_a_real_limit(inbox: Inbox) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        smtp_controller(IntakeHandler(INTAKE, inbox.deliver), HOST, free_port(), 0)


async def test_serve_smtp_delivers_on_the_callers_event_loop() -> None:
    loop = asyncio.get_running_loop()
    seen: list[tuple[asyncio.AbstractEventLoop, bytes]] = []

    async def deliver(raw: bytes, sender: str | None, recipients: tuple[str, ...]) -> None:
        seen.append((asyncio.get_running_loop(), raw))

    port = free_port()
    server = asyncio.create_task(serve_smtp(IntakeHandler(INTAKE, deliver), HOST, port, LIMIT))
    await until_listening(port)

    def send() -> None:
        with smtplib.SMTP(HOST, port, local_hostname="relay.example.org", timeout=10) as client:
            client.sendmail("jan@example.org", ["info@genk.be"], b"Subject: x\r\n\r\nHallo\r\n")

    try:
        await asyncio.to_thread(send)
    finally:
        server.cancel()
        with pytest.raises(asyncio.CancelledError):
            await server
    assert seen == [(loop, b"Subject: x\r\n\r\nHallo\r\n")]
    with pytest.raises(ConnectionRefusedError):  # cancelled: nothing listens any more
        await asyncio.open_connection(HOST, port)
