"""Where a webhook may be sent: public addresses only, unless configuration allows private ones.

A subscription to `http://127.0.0.1:5432/`, `http://169.254.169.254/` (cloud metadata) or a name that
resolves into 10.0.0.0/8 would turn the delivery worker into a probe of the city's internal network, with
our signed requests and its answers' status codes shown back in the deliveries list. The URL is checked
when the subscription is created and the name is resolved again before every attempt (a name may be
pointed elsewhere later). `GENK3600_WEBHOOK_ALLOW_PRIVATE_TARGETS` lifts the rule, for receivers on the
city's own network and for tests with a receiver on 127.0.0.1.

What remains: the worker resolves once to check and httpx resolves again to connect, so a DNS answer that
changes between the two (rebinding with a zero TTL) is not caught; pinning the checked address in the
connection would close that.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from genk3600.errors import Invalid
from genk3600.i18n.catalogue import P_

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedTarget(Invalid):
    """The URL points at (or resolves to) an address that webhooks may not reach."""


def blocked_address(address: IPAddress) -> bool:
    """Loopback, link-local, private, shared, reserved, unspecified or multicast: anything not global."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def _resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_target(url: str, *, allow_private: bool, unresolvable_ok: bool) -> None:
    """Raise BlockedTarget unless every address the URL's host stands for is a public one.

    `unresolvable_ok`: a name that does not resolve (yet) passes; at creation a receiver may not exist
    yet, and at delivery time the connection fails anyway.
    """
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise BlockedTarget(P_("the URL has no host"))
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    elif host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        raise BlockedTarget(P_("{host} is this machine"), host=host)
    else:
        try:
            addresses = await _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError, ValueError):
            if unresolvable_ok:
                return
            raise BlockedTarget(P_("{host} does not resolve"), host=host) from None
    blocked = sorted({str(address) for address in addresses if blocked_address(address)})
    if blocked:
        raise BlockedTarget(
            P_("{host} is a loopback, link-local or private address ({addresses})"),
            host=host,
            addresses=", ".join(blocked),
        )
