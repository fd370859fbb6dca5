"""The SMTP door: accept mail for the city's intake addresses and hand the raw bytes to `deliver`.

Nothing is parsed here. A message is either handed over (250) or refused with a temporary error (451),
so the sending relay keeps it and retries: no mail is acknowledged and then lost.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

# raw message bytes, envelope sender (None for the null sender `<>` of bounces), accepted recipients
Deliver = Callable[[bytes, str | None, tuple[str, ...]], Awaitable[None]]

IDENT = "Genk3600 ESMTP"  # instead of aiosmtpd's default, which announces the library and its version
ACCEPTED = "250 OK"
UNKNOWN_RECIPIENT = "550 5.1.1 No such mailbox here"
TRY_AGAIN = "451 4.3.0 Temporary failure, please retry"
UNREADABLE = "554 5.6.0 Message cannot be read as e-mail"


class Unreadable(Exception):
    """deliver() raises this for a message that will never be readable: the relay must not retry it."""


class IntakeHandler:
    """aiosmtpd handler: only the intake addresses are accepted; every message goes to `deliver`."""

    def __init__(self, recipients: Iterable[str], deliver: Deliver) -> None:
        self._recipients = frozenset(address.strip().lower() for address in recipients)
        self._deliver = deliver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        # Refused here, not after DATA: the sender learns at once, and we never hold mail for nobody.
        recipient = address.lower()
        if recipient not in self._recipients:
            return UNKNOWN_RECIPIENT
        # With this hook in place aiosmtpd no longer records the recipient itself.
        if recipient not in envelope.rcpt_tos:
            envelope.rcpt_tos.append(recipient)
        envelope.rcpt_options.extend(rcpt_options)
        return ACCEPTED

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content
        if content is None:  # aiosmtpd always sets it; the fallback only serves other callers
            content = envelope.content if isinstance(envelope.content, bytes) else b""
        sender = envelope.mail_from if envelope.mail_from not in (None, "", "<>") else None
        recipients = tuple(envelope.rcpt_tos)
        try:
            await self._deliver(content, sender, recipients)
        except Unreadable as exc:
            log.info("Refused an unreadable %d-byte message from %s: %s", len(content), session.peer, exc)
            return UNREADABLE
        except Exception:
            # 451 keeps the message at the relay, which retries later; deliver() must be idempotent.
            log.exception("Intake of %d bytes from %s failed; asked to retry", len(content), session.peer)
            return TRY_AGAIN
        log.info("Took in a %d-byte message from %s for %s", len(content), session.peer, recipients)
        return ACCEPTED

    async def handle_exception(self, error: Exception) -> str:
        # aiosmtpd's default answer echoes the exception text to the client; say less, and ask to retry.
        log.error("SMTP session failed", exc_info=error)
        return TRY_AGAIN


class IntakeSMTP(SMTP):
    """aiosmtpd's protocol without its 1,000-byte line limit (RFC 5321's, which it answers with a permanent
    500): mailers do send longer lines (HTML on one line), and the HTTP door takes them, so this door does
    too. A line is bounded by the message size limit instead."""

    def __init__(self, handler: Any, *, max_line_bytes: int, **kwargs: Any) -> None:
        # Read by SMTP.__init__ for its stream reader's buffer limit, so set before it runs.
        self.line_length_limit = max_line_bytes + 2  # the CRLF
        super().__init__(handler, **kwargs)


class _IntakeController(Controller):
    def __init__(self, handler: Any, max_line_bytes: int, **kwargs: Any) -> None:
        self._max_line_bytes = max_line_bytes
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        return IntakeSMTP(self.handler, max_line_bytes=self._max_line_bytes, **self.SMTP_kwargs)


def _size_limit(max_message_bytes: int) -> int:
    if max_message_bytes < 1:  # aiosmtpd reads 0 (and None) as "no limit at all"
        raise ValueError(f"max_message_bytes must be at least 1, not {max_message_bytes}")
    return max_message_bytes


def _server_name(server_hostname: str | None) -> str:
    # aiosmtpd defaults to socket.getfqdn(), a DNS lookup that can hang for seconds in a container.
    return server_hostname or socket.gethostname()


def smtp_controller(
    handler: IntakeHandler,
    host: str,
    port: int,
    max_message_bytes: int,
    *,
    server_hostname: str | None = None,
) -> Controller:
    """A listener in its own thread and event loop (deliver() runs there); the caller starts and stops it."""
    return _IntakeController(
        handler,
        _size_limit(max_message_bytes),
        hostname=host,
        port=port,
        server_hostname=_server_name(server_hostname),
        # Larger messages get 552: at MAIL FROM when the client declares SIZE=, else at the end of DATA.
        data_size_limit=_size_limit(max_message_bytes),
        decode_data=False,  # the bytes exactly as sent; charsets are the parser's business
        enable_SMTPUTF8=True,  # citizens may have non-ASCII addresses (RFC 6531)
        ident=IDENT,
    )


async def serve_smtp(
    handler: IntakeHandler,
    host: str,
    port: int,
    max_message_bytes: int,
    *,
    server_hostname: str | None = None,
) -> None:
    """Listen on the running event loop until cancelled; deliver() runs on that same loop.

    Same loop means deliver() can use the caller's engine and sessions, which are bound to their loop.
    Cancelling stops listening. Sessions still open end with the loop (asyncio.run cancels them); their
    relays never saw a 250, so they retry.
    """
    loop = asyncio.get_running_loop()
    limit, name = _size_limit(max_message_bytes), _server_name(server_hostname)

    def connection() -> SMTP:  # one SMTP protocol object per client connection, as aiosmtpd expects
        return IntakeSMTP(
            handler,
            max_line_bytes=limit,
            data_size_limit=limit,
            decode_data=False,
            enable_SMTPUTF8=True,
            hostname=name,
            ident=IDENT,
            loop=loop,
        )

    server = await loop.create_server(connection, host=host, port=port)
    async with server:
        bound = ", ".join(str(sock.getsockname()) for sock in server.sockets)
        log.info("SMTP intake listening on %s", bound)
        await server.serve_forever()
