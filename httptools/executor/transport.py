"""Send a rendered request through the SSRF guard and read a bounded, decoded answer.

Each hop resolves the host once and dials only the checked address; redirects are followed at most
`MAX_REDIRECTS` times, each target checked again; gzip and deflate are decoded in bounded steps.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from httptools.executor.rendering import RenderedRequest
from httptools.guard import GuardError, Resolver, check_port, pinned_transport, resolve_pinned
from httptools.redaction import CREDENTIAL_NAME

MAX_REDIRECTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_UNDECODED_SLACK_BYTES = 65_536  # compressed bytes may run a little past the cap before decoding shows it


@dataclass
class Exchange:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    data: Any
    final_url: str
    redirects: list[str] = field(default_factory=list)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


async def request_send(
    rendered: RenderedRequest,
    *,
    max_bytes: int,
    io_timeout: float,
    resolver: Resolver | None = None,
    credential_headers: set[str] | None = None,
) -> Exchange:
    """Send through the guard: resolve once per hop, dial only the pinned address, follow at most 3 checked
    redirects (credentials dropped when the origin changes), read at most `max_bytes` decoded bytes."""
    url = httpx.URL(rendered.url)
    method, body = rendered.method, rendered.body
    headers = list(rendered.headers)
    # Dropped when a redirect leaves the origin: headers named like a credential and those carrying a secret.
    sensitive = {name.lower() for name, _ in headers if CREDENTIAL_NAME.search(name)}
    sensitive |= {name.lower() for name in (credential_headers or set())}
    redirects: list[str] = []
    timeouts = {"connect": io_timeout, "read": io_timeout, "write": io_timeout, "pool": io_timeout}
    for hop in range(MAX_REDIRECTS + 1):
        port = check_port(url.scheme, url.port)
        host = url.raw_host.decode("ascii")
        address = await resolve_pinned(host, port, resolver=resolver)
        check_port(url.scheme, port, address=address)  # the dev server's port is for loopback only
        transport = pinned_transport(scheme=url.scheme, host=host, port=port, address=address)
        request = httpx.Request(method, url, headers=headers, content=body, extensions={"timeout": timeouts})
        response = await transport.handle_async_request(request)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                if hop == MAX_REDIRECTS:
                    raise GuardError("too_many_redirects", "more than 3 redirects")
                try:
                    target = url.join(location)
                except httpx.InvalidURL:
                    raise GuardError("blocked_redirect", "unparseable redirect target") from None
                if target.scheme not in {"http", "https"} or target.userinfo:
                    raise GuardError("blocked_redirect", "redirect to a disallowed URL")
                if _origin(target) != _origin(url):
                    headers = [(k, v) for k, v in headers if k.lower() not in sensitive]
                if response.status_code == 303 or (response.status_code in {301, 302} and method == "POST"):
                    method, body = "GET", None
                    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                redirects.append(str(target.copy_with(query=None)))
                url = target
                continue
            raw = await _read_capped(response, max_bytes)
            return Exchange(
                status=response.status_code,
                headers=list(response.headers.items()),
                body=raw,
                data=_parse(raw, response.headers.get("content-type", "")),
                final_url=str(url),
                redirects=redirects,
            )
        finally:
            await response.aclose()
    raise GuardError("too_many_redirects")  # pragma: no cover - the loop always returns or raises


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Decode gzip/deflate ourselves with a bound per step, so a compression bomb never fills memory."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    else:
        raise GuardError("unsupported_encoding", f"content-encoding {encoding!r}")
    declared = response.headers.get("content-length", "")
    if decoder is None and declared.isdigit() and int(declared) > max_bytes:
        raise GuardError("too_large", "declared length above the cap")
    buffer = bytearray()
    raw_seen = 0
    async for chunk in response.aiter_raw():
        raw_seen += len(chunk)
        if raw_seen > max_bytes + MAX_UNDECODED_SLACK_BYTES:
            raise GuardError("too_large", "body above the cap")
        if decoder is None:
            buffer += chunk
        else:
            pending = chunk
            while pending:
                try:
                    buffer += decoder.decompress(pending, max_bytes + 1 - len(buffer))
                except zlib.error:
                    raise GuardError("bad_encoding", "the body is not valid compressed data") from None
                pending = decoder.unconsumed_tail
                if len(buffer) > max_bytes:
                    break
        if len(buffer) > max_bytes:
            raise GuardError("too_large", "body above the cap")
    return bytes(buffer)


def _parse(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if "json" in content_type.lower() or stripped[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
