"""Which target URLs a webhook may be sent to (SSRF): the rules, without Django.

A target's host must resolve only to public addresses: not private, loopback, link-local,
multicast, reserved or unspecified, in IPv4 or IPv6, also when an IPv6 address carries an
IPv4 one (mapped ``::ffff:127.0.0.1``, 6to4, Teredo, NAT64). Numeric hosts are read the way
the C library reads them (``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``), so a
trick spelling of 127.0.0.1 is still 127.0.0.1. The check runs when a subscription is saved
and again before every request (a name may resolve elsewhere by then: DNS rebinding); the
request then goes to the address that was checked, never to a second lookup's answer.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``socket.getaddrinfo``'s shape; tests pass their own
Resolver = Callable[..., list[tuple[Any, ...]]]

MAX_URL_LENGTH = 2000
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class TargetRefused(ValueError):
    """A URL no webhook may be sent to; ``code`` says why (``url_private_address`` …)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the checked addresses) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _number(part: str) -> int:
    """One part of a numeric IPv4 host, as inet_aton reads it (0x…: hex, 0…: octal)."""
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    if not part.isdigit():
        raise ValueError(part)
    return int(part)


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a numeric host names in any inet_aton spelling, or None for a name."""
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or any(not p or not p.isascii() for p in parts):
        return None
    try:
        numbers = [_number(p) for p in parts]
    except ValueError:
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    return ipaddress.IPv4Address((value << (8 * (5 - len(numbers)))) + last)


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally (IPv6 without brackets, or numeric IPv4)."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    return numeric_ipv4(host)


def _embedded(address: IPAddress) -> Iterator[IPAddress]:
    """The address and any IPv4 address carried inside an IPv6 one."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def is_public(address: IPAddress) -> bool:
    """Whether a webhook may go to this address (and to every address it carries)."""
    for one in _embedded(address):
        if (
            one.is_private
            or one.is_loopback
            or one.is_link_local
            or one.is_multicast
            or one.is_reserved
            or one.is_unspecified
            or getattr(one, "is_site_local", False)
            or not one.is_global
        ):
            return False
    return True


def parse_url(url: str, *, allow_http: bool) -> SplitResult:
    """The URL's parts if its form is acceptable (scheme, host, no credentials), else refused."""
    if not isinstance(url, str) or not url.strip():
        raise TargetRefused("required")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused("too_long", max=MAX_URL_LENGTH)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise TargetRefused("invalid_url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it is a number in range
    except ValueError:
        raise TargetRefused("invalid_url") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme.lower() not in schemes:
        raise TargetRefused("url_scheme")
    if not parts.hostname:
        raise TargetRefused("invalid_url")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("url_credentials")
    if parts.port == 0:
        raise TargetRefused("invalid_url")
    return parts


def _ascii_host(host: str) -> str:
    """The host as sent on the wire: an internationalised name in its IDNA (xn--) form."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise TargetRefused("invalid_url") from None


def system_resolver(host: str, port: int, **options: Any) -> list[tuple[Any, ...]]:
    """The machine's own name lookup (tests replace it)."""
    return socket.getaddrinfo(host, port, **options)


def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        found = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused("url_unresolvable", host=host) from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused("url_unresolvable", host=host)
    return addresses


def check_target(
    url: str,
    *,
    allow_private: bool = False,
    allow_http: bool = False,
    resolver: Resolver | None = None,
) -> Target:
    """The target of ``url`` with its addresses, or :class:`TargetRefused`.

    Every address the host resolves to must be public (one private answer among public ones
    is how rebinding attacks look), unless ``allow_private`` says otherwise.
    """
    parts = parse_url(url, allow_http=allow_http)
    host = _ascii_host(str(parts.hostname).lower())
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        if not allow_private and (
            host.removesuffix(".") in _LOCAL_NAMES or host.removesuffix(".").endswith(".localhost")
        ):
            raise TargetRefused("url_private_address", host=host, address=host)
        addresses = _resolve(host, port, resolver or system_resolver)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise TargetRefused("url_private_address", host=host, address=str(address))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        addresses=tuple(str(a) for a in addresses),
    )
