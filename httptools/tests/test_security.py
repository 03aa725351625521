"""The security cases 1 to 15 of docs/tools.md (outbound calls and tools), one test each, plus close variants.

DNS cases use the stub resolver; everything else talks to a real HTTP or HTTPS server on loopback.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import tracemalloc
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import connections

from agents.models import Agent, AgentTool, Prompt
from agents.plans import session_plan_build
from agents.services import prompt_publish
from httptools import guard
from httptools.executor import UNAVAILABLE, arguments_parse, tool_execute, tool_trace
from httptools.guard import check_host_literal
from httptools.models import HttpTool
from httptools.validation import normalize_base_url
from tenants.models import TenantSecret
from tests.support.factories import build_tool

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


class StubResolver:
    """The only stand-in: answers per host name, counts calls; an Exception value is raised."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answer = self.answers.get(host, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
        if callable(answer) and not isinstance(answer, Exception):
            answer = answer(len([c for c in self.calls if c == host]))
        if isinstance(answer, float):
            await asyncio.sleep(answer)
            return ["93.184.215.14"]
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


def refused_at_save(url: str) -> bool:
    try:
        normalize_base_url(url)
    except ValidationError:
        return True
    return False


async def run(tool, arguments=None, resolver=None, secrets=None):
    return await tool_trace(tool=tool, arguments=arguments or {}, secrets=secrets or {}, resolver=resolver)


# 1 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_refuses_cloud_metadata_addresses_at_save_and_at_call_time(server):
    for url in (
        "http://169.254.169.254",
        "http://metadata.google.internal",
        "http://metadata",
        "http://instance-data",
        "http://[::ffff:169.254.169.254]",
        "http://[fd00:ec2::254]",
        "http://100.100.100.200",
        "http://metadata.google.internal.",
    ):
        assert refused_at_save(url), url
    # A descriptor that slipped past save (or a name that resolves to metadata) is refused at call time.
    literal = await run(build_tool("http://169.254.169.254"))
    assert literal.result.error_class == "blocked_host"
    resolver = StubResolver({"api.shop.test": ["169.254.169.254"]})
    named = await run(build_tool(f"http://api.shop.test:{server.port}"), resolver=resolver)
    assert named.result.error_class == "blocked_address"
    assert named.result.output == UNAVAILABLE
    assert server.hits() == 0


# 2 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_refuses_loopback_written_other_ways(server):
    # Even with the development loopback setting on, unusual spellings are refused: they exist to evade.
    spellings = [
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "0x7f.1",
        "017700000001",
        "127.0.1",
        "0x7F.0.0.1",
        "127.000.000.001",
    ]
    for host in spellings:
        assert refused_at_save(f"http://{host}:{server.port}"), host
        trace = await run(build_tool(f"http://{host}:{server.port}"))
        assert trace.result.error_class == "blocked_host", host
    assert server.hits() == 0


# 3 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_refuses_ipv6_loopback_and_ipv4_mapped_forms(server, settings):
    wrapped = [
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[0:0:0:0:0:ffff:7f00:1]",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[2002:a9fe:a9fe::1]",
        "[::ffff:10.0.0.1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    ]  # Teredo, client 127.0.0.1 (obfuscated)
    for host in wrapped:
        assert refused_at_save(f"http://{host}"), host
    settings.HTTPTOOLS_ALLOW_LOOPBACK = False
    assert refused_at_save("http://[::1]")
    resolver = StubResolver(
        {
            "a.test": ["::1"],
            "b.test": ["::ffff:127.0.0.1"],
            "c.test": ["64:ff9b::a9fe:a9fe"],
            "d.test": ["2002:c0a8:0101::1"],
            "e.test": ["fe80::1"],
        }
    )
    for host in ("a.test", "b.test", "c.test", "d.test", "e.test"):
        trace = await run(build_tool(f"http://{host}:{server.port}"), resolver=resolver)
        assert trace.result.error_class == "blocked_address", host
    assert server.hits() == 0


# 4 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_refuses_a_host_that_now_resolves_to_a_private_address(server):
    # Saved fine (a public name); at call time DNS answers with a private address: refused, nothing sent.
    tool = build_tool(f"http://shop-api.example.com:{server.port}")
    tool.clean()
    resolver = StubResolver({"shop-api.example.com": lambda n: ["93.184.215.14"] if n == 0 else ["10.1.2.3"]})
    resolver.answers["shop-api.example.com"] = lambda n: ["10.1.2.3"]
    trace = await run(tool, {"query": "x"}, resolver=resolver)
    assert trace.result.error_class == "blocked_address"
    assert server.hits() == 0


@pytest.mark.asyncio
async def test_it_connects_to_the_address_it_checked_not_a_second_lookup(server):
    # DNS rebinding: the first answer is allowed, any later lookup would be private. One lookup, pinned dial.
    resolver = StubResolver({"rebind.test": lambda n: ["127.0.0.1"] if n == 1 else ["10.0.0.1"]})
    trace = await run(build_tool(f"http://rebind.test:{server.port}"), {"query": "x"}, resolver=resolver)
    assert trace.result.ok, trace.detail
    assert resolver.calls == ["rebind.test"]
    assert server.seen[-1].request_line.startswith("GET /products")
    assert ("Host", f"rebind.test:{server.port}") in server.seen[-1].headers  # original Host kept


@pytest.mark.asyncio
async def test_https_dials_the_checked_address_and_verifies_the_certificate_for_the_name(tls_server):
    # Pinning must not weaken TLS: the socket goes to the checked address, while SNI, Host and certificate
    # verification all use the descriptor's host name.
    resolver = StubResolver({"pinned.test": ["127.0.0.1"], "impostor.test": ["127.0.0.1"]})
    trace = await run(build_tool(f"https://pinned.test:{tls_server.port}"), {"query": "x"}, resolver=resolver)
    assert trace.result.ok, trace.detail
    assert tls_server.server_names == ["pinned.test"]
    assert ("Host", f"pinned.test:{tls_server.port}") in tls_server.seen[-1].headers
    # The same address under a name its certificate does not cover: refused before any request is sent.
    impostor = await run(build_tool(f"https://impostor.test:{tls_server.port}"), {"query": "x"}, resolver=resolver)
    assert impostor.result.error_class == "connect_error", impostor.detail
    assert len(tls_server.seen) == 1


# 5 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_refuses_a_host_with_both_public_and_private_answers(server):
    resolver = StubResolver({"mixed.test": ["93.184.215.14", "127.0.0.1", "10.0.0.5"]})
    trace = await run(build_tool(f"http://mixed.test:{server.port}"), resolver=resolver)
    assert trace.result.error_class == "blocked_address"
    resolver = StubResolver({"mixed.test": ["127.0.0.1", "192.168.1.1"]})
    trace = await run(build_tool(f"http://mixed.test:{server.port}"), resolver=resolver)
    assert trace.result.error_class == "blocked_address"
    assert server.hits() == 0


# 6 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_fails_closed_when_dns_fails_or_times_out(server, monkeypatch):
    monkeypatch.setattr(guard, "DNS_TIMEOUT_SECONDS", 0.2)
    resolver = StubResolver(
        {"slow.test": 5.0, "empty.test": [], "broken.test": socket.gaierror(socket.EAI_AGAIN, "Temporary failure")}
    )
    results = {}
    for host in ("nx.test", "slow.test", "empty.test", "broken.test"):
        trace = await run(build_tool(f"http://{host}:{server.port}"), resolver=resolver)
        results[host] = trace.result
    assert {r.error_class for r in results.values()} <= {"dns_failure", "dns_timeout"}
    assert results["slow.test"].error_class == "dns_timeout"
    assert all(r.output == UNAVAILABLE and not r.ok for r in results.values())
    assert server.hits() == 0


# 7 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_it_refuses_a_redirect_to_an_internal_address(server):
    resolver = StubResolver({"api.shop.test": ["127.0.0.1"], "internal.shop.test": ["10.0.0.8"]})
    targets = [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:169.254.169.254]/",
        f"http://0x7f000001:{server.port}/echo",
        f"http://internal.shop.test:{server.port}/echo",
        "http://metadata.google.internal/",
        "file:///etc/passwd",
        f"http://127.0.0.1:{server.port + 1}/",
    ]
    for target in targets:
        server.seen.clear()
        tool = build_tool(
            f"http://api.shop.test:{server.port}",
            path_template="/redirect",
            query_params={"to": target},
            arguments_schema={"type": "object", "properties": {}, "additionalProperties": False},
        )
        trace = await run(tool, resolver=resolver)
        assert not trace.result.ok, target
        assert trace.result.output == UNAVAILABLE
        assert trace.result.error_class in {"blocked_address", "blocked_host", "blocked_redirect", "blocked_port"}
        assert server.hits("/echo") == 0, target


@pytest.mark.asyncio
async def test_a_redirect_to_another_host_drops_credentials(server):
    resolver = StubResolver({"api.shop.test": ["127.0.0.1"], "cdn.other.test": ["127.0.0.1"]})
    secrets = {"SHOP_KEY": "k-1234567890"}
    headers = {"X-Api-Key": "{{secret:SHOP_KEY}}", "Authorization": "Bearer {{secret:SHOP_KEY}}"}
    schema = {"type": "object", "properties": {}, "additionalProperties": False}
    other = build_tool(
        f"http://api.shop.test:{server.port}",
        path_template="/redirect",
        headers=headers,
        query_params={"to": f"http://cdn.other.test:{server.port}/echo"},
        arguments_schema=schema,
        response_mapping={},
    )
    trace = await run(other, resolver=resolver, secrets=secrets)
    assert trace.result.ok, trace.detail
    final = server.seen[-1]
    assert final.request_line.startswith("GET /echo")
    names = {name.lower() for name, _ in final.headers}
    assert "x-api-key" not in names and "authorization" not in names
    assert ("Host", f"cdn.other.test:{server.port}") in final.headers
    # Same origin: the credentials stay.
    same = build_tool(
        f"http://api.shop.test:{server.port}",
        path_template="/redirect",
        headers=headers,
        query_params={"to": "/echo"},
        arguments_schema=schema,
        response_mapping={},
    )
    trace = await run(same, resolver=resolver, secrets=secrets)
    assert ("X-Api-Key", "k-1234567890") in server.seen[-1].headers


@pytest.mark.asyncio
async def test_it_follows_at_most_three_redirects(server):
    tool = build_tool(server.base, path_template="/loop", query_params={})
    trace = await run(tool)
    assert trace.result.error_class == "too_many_redirects"
    assert server.hits("/loop") == 4  # the first request and three followed redirects


# 8 -------------------------------------------------------------------------------------------------------


def test_it_refuses_other_schemes_and_ports_outside_the_allowlist_at_save(settings):
    settings.HTTPTOOLS_ALLOWED_PORTS = [80, 443, 8000]
    for url in (
        "ftp://api.example.com",
        "file:///etc/passwd",
        "gopher://api.example.com:70",
        "javascript:alert(1)",
        "dict://api.example.com:11211",
        "ws://api.example.com",
        "https://api.example.com:6379",
        "http://api.example.com:22",
        "https://api.example.com:0",
        "https://api.example.com:99999",
        "https://user:pw@api.example.com",
        "https://api.example.com/v1",
    ):
        assert refused_at_save(url), url
    assert normalize_base_url("https://API.example.com") == "https://api.example.com"
    assert normalize_base_url("http://api.example.com:8000") == "http://api.example.com:8000"


# 9 -------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_arguments_never_change_the_host_or_add_headers(server):
    tool = build_tool(
        server.base,
        path_template="/echo/{item}",
        query_params={"q": "{query}"},
        arguments_schema={
            "type": "object",
            "properties": {"item": {"type": "string"}, "query": {"type": "string"}},
            "required": ["item"],
            "additionalProperties": False,
        },
        response_mapping={},
    )
    hostile = [
        "../../admin",
        "..%2f..%2fadmin",
        "%2e%2e/%2e%2e",
        "@evil.example.com",
        "#fragment",
        "x\r\nX-Injected: yes",
        "x%0d%0aX-Injected:%20yes",
        "evil.example.com:80/",
        "//evil.example.com",
        "?admin=1",
        "a b",
        "\u2028",
        "http://evil.example.com/",
    ]
    for value in hostile:
        server.seen.clear()
        trace = await run(tool, {"item": value, "query": value})
        assert trace.result.ok, (value, trace.detail)
        assert len(server.seen) == 1, value  # one request: nothing smuggled
        seen = server.seen[0]
        _method, target, _ = seen.request_line.split(" ")
        assert target.startswith("/echo/") and "/" not in target[len("/echo/") :].split("?")[0], (value, target)
        assert "\r" not in target and "\n" not in target and "#" not in target
        assert dict(seen.headers)["Host"] == f"127.0.0.1:{server.port}"
        assert "X-Injected" not in dict(seen.headers)
    # The dot segments themselves are refused before any I/O (they would rewrite the path).
    server.seen.clear()
    for value in (".", ".."):
        trace = await run(tool, {"item": value})
        assert trace.result.error_class == "invalid_arguments"
    assert server.hits() == 0


# 10 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example.com"},
        {"host": "x"},
        {"Transfer-Encoding": "chunked"},
        {"Proxy-Authorization": "x"},
        {"Proxy-Connection": "keep-alive"},
        {"X-Forwarded-For": "127.0.0.1"},
        {"X-Forwarded-Host": "evil"},
        {"Content-Length": "0"},
        {"Connection": "close"},
        {"X-Ok": "a\r\nX-Injected: 1"},
        {"X-Ok": "a\nb"},
        {"Bad Name": "x"},
        {"X-Ok\r\nX-Injected": "x"},
        {"Forwarded": "for=1.2.3.4"},
    ],
)
def test_it_refuses_routing_headers_and_line_breaks_at_save(headers):
    tool = build_tool("https://api.example.com", headers=headers)
    with pytest.raises(ValidationError) as exc:
        tool.clean()
    assert "headers" in exc.value.message_dict


# 11 ------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("route", ["/huge", "/endless", "/gzipbomb"])
async def test_a_huge_body_or_endless_stream_is_cut_at_the_cap_with_memory_bounded(server, route):
    tool = build_tool(
        server.base, path_template=route, query_params={}, max_response_bytes=200_000, timeout_seconds=10.0
    )
    tracemalloc.start()
    try:
        started = time.perf_counter()
        trace = await run(tool)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert trace.result.error_class == "too_large"
    assert trace.result.output == UNAVAILABLE
    assert peak < 4_000_000, peak  # the gzip bomb decodes to 50 MB; we never hold more than the cap
    assert time.perf_counter() - started < 5


# 12 ------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_slow_drip_response_trips_the_overall_deadline(server):
    tool = build_tool(server.base, path_template="/drip", query_params={}, timeout_seconds=0.6)
    started = time.perf_counter()
    trace = await run(tool)
    elapsed = time.perf_counter() - started
    assert trace.result.error_class == "timeout"
    assert trace.result.output == UNAVAILABLE
    assert elapsed < 1.5  # each byte arrives well inside a read timeout; only the overall deadline stops it


# 13 ------------------------------------------------------------------------------------------------------

CANARY = "canary-7f3a9c1e5b2d"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_canary_secret_appears_nowhere_but_the_outgoing_request(server, mongo, redis_conn, tenants):
    tenant = tenants[0]

    def setup():
        secret = TenantSecret(tenant=tenant, name="CANARY_KEY")
        secret.set_value(CANARY)
        secret.save()
        return HttpTool.objects.create(
            tenant=tenant,
            name="echo_tool",
            description="Echo.",
            base_url=server.base,
            path_template="/echo",
            headers={"X-Api-Key": "{{secret:CANARY_KEY}}"},
            query_params={"q": "{query}"},
            arguments_schema={
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "additionalProperties": False,
            },
            visual="table",
            visual_props={"rows": "headers"},
            response_mapping={"max_chars": 5000},
        )

    tool = await sync_to_async(setup)()
    # The echo server reflects the header back; the model asks with the canary in its arguments too.
    result = await tool_execute(
        tool=tool,
        arguments_json=json.dumps({"query": CANARY}),
        tenant_id=tenant.pk,
        channel="widget",
        session_id="s1",
        call_id="c1",
    )
    assert result.ok
    assert ("X-Api-Key", CANARY) in server.seen[-1].headers  # it did reach the outgoing request
    everything = json.dumps([result.output, result.props, result.html, result.error_class], default=str)
    assert CANARY not in everything
    assert "[redacted]" in result.output
    logs = list(mongo["tool_logs"].find({"tenantId": tenant.pk}))
    assert len(logs) == 1 and CANARY not in json.dumps(logs, default=str)
    # A failing call (upstream gone) leaks it nowhere either.
    tool.base_url = f"http://127.0.0.1:{server.port + 1}"
    failed = await tool_execute(
        tool=tool, arguments_json="{}", tenant_id=tenant.pk, channel="widget", session_id="s1", call_id="c2"
    )
    assert not failed.ok and CANARY not in json.dumps(failed.__dict__, default=str)
    await sync_to_async(connections.close_all)()  # the worker thread's connection would block DB teardown


# 14 ------------------------------------------------------------------------------------------------------


def session_plan_allowing(tenant, allowed):
    """The plan a live widget session gets for an agent of `tenant` that allows exactly the `allowed` tools."""
    prompt = Prompt.objects.create(tenant=tenant, name="Shop", identity="You are the shop's assistant.", task="Help.")
    prompt_publish(prompt=prompt)
    agent = Agent.objects.create(tenant=tenant, name="Shop assistant", prompt=prompt)
    for tool in allowed:
        AgentTool.objects.create(agent=agent, tool=tool)
    return session_plan_build(agent=agent, channel="widget")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_tool_output_cannot_make_the_model_run_tools_outside_the_allowed_set(server, tenants, mongo):
    tenant = tenants[0]
    search = build_tool(server.base, tenant_id=tenant.pk, path_template="/inject", query_params={})
    trace = await run(search)
    assert "delete_all_orders" in trace.result.output  # it is just data to the model
    # A live session looks the model's call up by name in its plan (agents/session.py): the tenant has a
    # delete_all_orders tool, but this agent does not allow it, so the name finds nothing and nothing runs.
    delete = build_tool(server.base, tenant_id=tenant.pk, name="delete_all_orders", method="DELETE", effect="write")
    await sync_to_async(search.save)()
    await sync_to_async(delete.save)()
    plan = await sync_to_async(session_plan_allowing)(tenant, [search])
    assert plan.tools.get("delete_all_orders") is None
    assert plan.tools.get("search_products") == search
    # A tool of another tenant never runs for this tenant, even if the name matches.
    foreign = build_tool(server.base, tenant_id=tenants[1].pk)
    server.seen.clear()
    result = await tool_execute(
        tool=foreign, arguments_json="{}", tenant_id=tenant.pk, channel="widget", session_id="s", call_id="c"
    )
    assert result.status == "not_allowed" and server.hits() == 0
    await sync_to_async(connections.close_all)()  # the worker thread's connection would block DB teardown


@pytest.mark.asyncio
async def test_invalid_arguments_are_rejected_before_any_network_io(server, mongo):
    tool = build_tool(
        server.base,
        arguments_schema={
            "type": "object",
            "properties": {"query": {"type": "string", "maxLength": 50}},
            "required": ["query"],
            "additionalProperties": False,
        },
    )
    for arguments in (
        '{"query": "x", "url": "http://169.254.169.254"}',
        '{"query": 5}',
        "{}",
        "[1]",
        "not json",
        '{"query": "' + "x" * 60 + '"}',
    ):
        result = await tool_execute(
            tool=tool, arguments_json=arguments, tenant_id=1, channel="widget", session_id="s", call_id=f"c-{arguments}"
        )
        assert result.status == "invalid_arguments", arguments
        assert not result.ok
    assert server.hits() == 0
    with pytest.raises(Exception):
        arguments_parse(tool, '{"query": "x", "extra": 1}')


# 15 ------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_loopback_is_reachable_only_with_the_development_setting(server, settings):
    settings.HTTPTOOLS_ALLOW_LOOPBACK = False
    assert refused_at_save(server.base)
    assert refused_at_save(f"http://localhost:{server.port}")
    blocked = await run(build_tool(server.base), {"query": "x"})
    assert blocked.result.error_class == "blocked_host"
    resolver = StubResolver({"localhost": ["127.0.0.1"], "dev.test": ["127.0.0.1"]})
    via_dns = await run(build_tool(f"http://dev.test:{server.port}"), resolver=resolver)
    assert via_dns.result.error_class == "blocked_address"
    assert server.hits() == 0

    settings.HTTPTOOLS_ALLOW_LOOPBACK = True
    assert not refused_at_save(server.base)
    allowed = await run(build_tool(server.base), {"query": "x"})
    assert allowed.result.ok and server.hits("/products") == 1
    # The setting opens loopback only: private ranges and metadata stay closed.
    for url in (
        "http://10.0.0.1",
        "http://192.168.1.1",
        "http://169.254.169.254",
        "http://[fc00::1]",
        "http://0.0.0.0",
        "http://100.64.0.1",
    ):
        assert refused_at_save(url), url
    check_host_literal("127.0.0.1")
    check_host_literal("::1")


@pytest.mark.asyncio
async def test_it_ignores_proxy_environment_variables(server, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://10.255.255.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    trace = await run(build_tool(server.base), {"query": "x"})
    assert trace.result.ok and server.hits("/products") == 1
