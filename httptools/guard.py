"""The SSRF guard: which hosts and addresses a tool may reach, and a transport pinned to the checked address.

Rules (docs/tools.md, "Safety"): resolve once, refuse if any answer is not globally routable (after unwrapping
IPv4-mapped, 6to4, Teredo and NAT64 forms), connect to the pinned address while keeping the original
Host header and TLS server name, never read proxy settings from the environment.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# A resolver maps (host, port) to the textual IP answers; tests pass a stub, production uses getaddrinfo.
Resolver = Callable[[str, int], Awaitable[list[str]]]

DNS_TIMEOUT_SECONDS = 3.0

# Cloud metadata services and names that only mean "this machine" or "this private network".
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.ec2.internal",
        "metadata.packet.net",
        "metadata.platformequinix.com",
        "169.254.169.254.nip.io",
        "kubernetes.default",
        "kubernetes.default.svc",
    }
)
PRIVATE_SUFFIXES = (
    ".internal",
    ".local",
    ".localdomain",
    ".home.arpa",
    ".lan",
    ".intranet",
    ".corp",
    ".svc",
    ".cluster.local",
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")

# Explicit deny lists: `is_global` alone has had wrong ranges across Python versions.
DENIED_V4 = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]
DENIED_V6 = [
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
]
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")
LOOPBACK_V6 = ipaddress.IPv6Address("::1")


class GuardError(Exception):
    """A request the guard will not make; `error_class` goes to tool_logs, never to the model."""

    def __init__(self, error_class: str, detail: str = "") -> None:
        super().__init__(detail or error_class)
        self.error_class = error_class


def allow_loopback() -> bool:
    return bool(getattr(settings, "HTTPTOOLS_ALLOW_LOOPBACK", False))


def address_problem(address: IPAddress, *, loopback_ok: bool) -> str | None:
    """Why `address` may not be reached, or None when it is globally routable (or allowed dev loopback)."""
    if loopback_ok and ((address.version == 4 and address in LOOPBACK_V4) or address == LOOPBACK_V6):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return "an IPv6 address with a zone"
        embedded = _embedded_ipv4(address)
        if embedded:
            for inner in embedded:
                # Loopback is never allowed through a wrapped form: those spellings exist to evade checks.
                problem = address_problem(inner, loopback_ok=False)
                if problem:
                    return f"an IPv6 form that wraps {inner} ({problem})"
            if address in NAT64 or address.sixtofour is not None:
                return None
        if any(address in net for net in DENIED_V6):
            return "a non-public IPv6 address"
    else:
        if any(address in net for net in DENIED_V4):
            return "a private, loopback, link-local or reserved address"
    if not address.is_global or address.is_multicast or address.is_reserved or address.is_unspecified:
        return "not a globally routable address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def check_host_literal(host: str) -> None:
    """Refuse, at save time, hosts that name this machine, a private network or a metadata service.

    IPv4 literals must be written as four decimal numbers: decimal, hex, octal and short forms
    (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) only exist to slip past checks.
    """
    problem = host_problem(host)
    if problem:
        raise ValidationError(problem)


def host_problem(host: str) -> str | None:
    loopback_ok = allow_loopback()
    value = (host or "").strip().lower()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    if value.endswith("."):
        value = value[:-1]
    if not value:
        return "The URL has no host."
    if "%" in value:
        return "Percent-encoded hosts and IPv6 zones are not allowed."
    if ":" in value:
        try:
            v6 = ipaddress.IPv6Address(value)
        except ValueError:
            return f"{host!r} is not a valid IPv6 address."
        reason = address_problem(v6, loopback_ok=loopback_ok)
        return f"{host} is {reason}; tools may only call public addresses." if reason else None
    if not value.isascii():
        return "Write international host names in their xn-- (punycode) form."
    labels = value.split(".")
    if NUMERIC_LABEL.match(labels[-1]):
        return _ipv4_literal_problem(value, host, loopback_ok=loopback_ok)
    if not all(HOST_LABEL.match(label) for label in labels):
        return f"{host!r} is not a valid host name."
    if value in METADATA_HOSTS or value.startswith(("metadata.", "instance-data.")):
        return f"{host} is a cloud metadata service; tools may not call it."
    if value in LOOPBACK_NAMES or value.endswith(".localhost"):
        return None if loopback_ok else f"{host} is this machine; tools may only call public hosts."
    if value.endswith(PRIVATE_SUFFIXES):
        return f"{host} is a private network name; tools may only call public hosts."
    return None


def _ipv4_literal_problem(value: str, original: str, *, loopback_ok: bool) -> str | None:
    try:
        # inet_aton accepts every legacy spelling the C library does, so we learn what it would dial.
        packed = socket.inet_aton(value)
    except OSError:
        return f"{original!r} is not a valid host."
    address = ipaddress.IPv4Address(packed)
    if str(address) != value:
        return f"{original!r} is an unusual spelling of {address}; write IP addresses as four decimal numbers."
    reason = address_problem(address, loopback_ok=loopback_ok)
    return f"{original} is {reason}; tools may only call public addresses." if reason else None


def ip_literal(host: str) -> IPAddress | None:
    value = host.strip("[]")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """getaddrinfo in a worker thread (it blocks); the caller bounds it with a timeout."""
    infos = await asyncio.to_thread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_pinned(host: str, port: int, *, resolver: Resolver | None = None) -> str:
    """Check the host, resolve it once and return the one address to dial; any bad answer refuses all."""
    problem = host_problem(host)
    if problem:
        raise GuardError("blocked_host", problem)
    literal = ip_literal(host)
    if literal is not None:
        answers = [str(literal)]
    else:
        try:
            async with asyncio.timeout(DNS_TIMEOUT_SECONDS):
                answers = await (resolver or system_resolver)(host, port)
        except TimeoutError:
            raise GuardError("dns_timeout", f"resolving {host} timed out") from None
        except (OSError, UnicodeError) as exc:
            raise GuardError("dns_failure", f"resolving {host} failed: {type(exc).__name__}") from None
    if not answers:
        raise GuardError("dns_failure", f"{host} has no addresses")
    loopback_ok = allow_loopback()
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(answer)
        except ValueError:
            raise GuardError("blocked_address", f"{host} resolved to an unparseable answer") from None
        reason = address_problem(address, loopback_ok=loopback_ok)
        if reason:
            raise GuardError("blocked_address", f"{host} resolved to {address}: {reason}")
        addresses.append(address)
    return str(addresses[0])


def dev_server_port() -> int | None:
    """The development server's own port when loopback is allowed: the demo tools call its /demo/ APIs on
    whatever PORT `make run` uses, so that port is allowed for loopback addresses only, beside
    HTTPTOOLS_ALLOWED_PORTS."""
    return int(settings.PORT) if allow_loopback() else None


def is_loopback(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return (parsed.version == 4 and parsed in LOOPBACK_V4) or parsed == LOOPBACK_V6


def check_port(scheme: str, port: int | None, *, address: str | None = None) -> int:
    """The effective port if allowed; before resolution (`address` None) the dev server's port passes, after
    it only for a loopback address."""
    effective = port if port is not None else {"http": 80, "https": 443}.get(scheme, 0)
    if scheme not in {"http", "https"}:
        raise GuardError("blocked_scheme", f"scheme {scheme!r} is not allowed")
    if effective in settings.HTTPTOOLS_ALLOWED_PORTS:
        return effective
    if effective == dev_server_port() and (address is None or is_loopback(address)):
        return effective
    raise GuardError("blocked_port", f"port {effective} is not in HTTPTOOLS_ALLOWED_PORTS")


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Dials the pinned address whatever host httpcore asks for; the URL keeps the name for Host and SNI."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_tcp(
            self.address, port, timeout=timeout, local_address=None, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport over a connection pool that only ever dials one checked address, no proxies."""

    def __init__(self, address: str) -> None:  # no super().__init__: it would build an SSL context per call
        self.address = address
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context(),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=15.0,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(address),
        )


_ssl: ssl.SSLContext | None = None


def ssl_context() -> ssl.SSLContext:
    """The one verified TLS context every pinned connection uses (system trust store, no environment)."""
    # Loading the CA bundle costs milliseconds; one verified context serves every call.
    global _ssl
    if _ssl is None:
        _ssl = httpx.create_ssl_context(verify=True, trust_env=False)
    return _ssl


# Keep-alive pools per event loop, keyed by (scheme, host, port, pinned address): a reused connection
# always goes to an address that this call's own resolution checked.
_MAX_POOLS_PER_LOOP = 32
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OrderedDict[tuple[str, str, int, str], PinnedTransport]]
_pools = weakref.WeakKeyDictionary()
_closing: set[asyncio.Task[None]] = set()


def pinned_transport(*, scheme: str, host: str, port: int, address: str) -> PinnedTransport:
    loop = asyncio.get_running_loop()
    pools = _pools.setdefault(loop, OrderedDict())
    key = (scheme, host, port, address)
    transport = pools.get(key)
    if transport is None:
        transport = pools[key] = PinnedTransport(address)
        while len(pools) > _MAX_POOLS_PER_LOOP:
            _, old = pools.popitem(last=False)
            task = loop.create_task(old.aclose())
            _closing.add(task)
            task.add_done_callback(_closing.discard)
    else:
        pools.move_to_end(key)
    return transport
