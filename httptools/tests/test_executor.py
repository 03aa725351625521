"""The executor: request rendering, response mapping, confirmation, idempotency, tool_logs and cards."""

from __future__ import annotations

import asyncio
import json

import pytest

from httptools import executor
from httptools.executor import (
    ALREADY_EXECUTED,
    NEEDS_CONFIRMATION,
    UNAVAILABLE,
    idempotency_key,
    path_get,
    request_render,
    response_map,
    tool_execute,
)
from tests.support.factories import build_tool

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "product_id": {"type": "integer"},
        "size": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "note": {"type": "string"},
    },
    "required": ["product_id", "quantity"],
    "additionalProperties": False,
}


def order_tool(base, **overrides):
    fields = dict(
        name="place_order",
        method="POST",
        effect="write",
        path_template="/echo/orders",
        query_params={},
        body_template={
            "product_id": "{product_id}",
            "size": "{size}",
            "quantity": "{quantity}",
            "note": "Size {size}, via {channel}",
            "channel": "{channel}",
        },
        constants={"channel": "voice"},
        arguments_schema=ORDER_SCHEMA,
        response_mapping={},
    )
    fields.update(overrides)
    return build_tool(base, **fields)


def test_path_slots_are_percent_encoded_and_absent_query_slots_omitted():
    tool = build_tool(
        "https://api.example.com",
        path_template="/items/{item}",
        query_params={"q": "{query}", "page": "{page}", "lang": "en", "tag": "x-{query}"},
        arguments_schema={
            "type": "object",
            "properties": {"item": {"type": "string"}, "query": {"type": "string"}, "page": {"type": "integer"}},
            "additionalProperties": False,
        },
    )
    rendered = request_render(tool, {"item": "a/b?c#d e", "query": "red shoes&x=1"}, secrets={})
    assert rendered.url == (
        "https://api.example.com/items/a%2Fb%3Fc%23d%20e?q=red%20shoes%26x%3D1&lang=en&tag=x-red%20shoes%26x%3D1"
    )


def test_the_body_keeps_argument_types_and_constants_fill_their_slots():
    tool = order_tool("https://api.example.com")
    rendered = request_render(
        tool, {"product_id": 42, "quantity": 2, "confirmed": True}, secrets={}, idempotency="va-x"
    )
    body = json.loads(rendered.body)
    # "size" was not given: the whole-slot key is left out; interpolated text leaves an empty slot.
    assert body == {"product_id": 42, "quantity": 2, "note": "Size , via voice", "channel": "voice"}
    assert ("Content-Type", "application/json") in rendered.headers
    assert ("Idempotency-Key", "va-x") in rendered.headers


def test_secrets_are_sent_but_masked_in_what_staff_see():
    tool = build_tool("https://api.example.com", headers={"Authorization": "Bearer {{secret:API_TOKEN}}"})
    rendered = request_render(tool, {"query": "x"}, secrets={"API_TOKEN": "tok-123456"})
    assert ("Authorization", "Bearer tok-123456") in rendered.headers
    assert ("Authorization", "Bearer •••••• (secret API_TOKEN)") in rendered.masked_headers
    assert "tok-123456" not in json.dumps(rendered.masked_headers)


def test_dotted_paths_index_lists_and_dollar_is_the_whole_response():
    data = {"results": [{"name": "A", "images": ["u1", "u2"]}]}
    assert path_get(data, "results.0.images.1") == "u2"
    assert path_get(data, "$") is data
    assert path_get(data, "results.5.name") is executor.MISSING
    assert path_get(data, "results.x") is executor.MISSING


def test_response_mapping_picks_fields_and_bounds_items_and_characters():
    data = {
        "results": [
            {"name": f"Shoe {i}", "price": i, "images": [f"https://x/{i}.jpg"], "secret": "no"} for i in range(10)
        ]
    }
    text = response_map({"items": "results", "fields": ["name", "price", "images.0"], "max_items": 3}, data)
    parsed = json.loads(text)
    assert parsed["count"] == 10 and len(parsed["items"]) == 3
    assert parsed["items"][0] == {"name": "Shoe 0", "price": 0, "images.0": "https://x/0.jpg"}
    assert "note" in parsed
    short = response_map({"items": "results", "fields": ["name"], "max_items": 10, "max_chars": 100}, data)
    assert len(short) <= 100 and json.loads(short)["items"]  # items dropped whole, still valid JSON
    assert response_map({}, {"a": 1}) == '{"a":1}'
    assert response_map({"items": "missing"}, {"a": 1}) == '{"count":0,"items":[]}'
    assert len(response_map({"max_chars": 100}, "x" * 5000)) == 100


@pytest.mark.asyncio
async def test_a_write_without_confirmation_sends_nothing_and_asks_for_it(server, redis_conn, mongo):
    tool = order_tool(server.base)
    result = await tool_execute(
        tool=tool,
        arguments_json='{"product_id": 1, "quantity": 1, "confirmed": false}',
        tenant_id=1,
        channel="widget",
        session_id="s",
        call_id="c1",
    )
    assert result.status == "needs_confirmation" and result.output == NEEDS_CONFIRMATION
    missing = await tool_execute(
        tool=tool,
        arguments_json='{"product_id": 1, "quantity": 1}',
        tenant_id=1,
        channel="widget",
        session_id="s",
        call_id="c2",
    )
    assert missing.status == "invalid_arguments" and "confirmed" in missing.output
    assert server.hits() == 0


@pytest.mark.asyncio
async def test_a_call_id_executes_at_most_once_per_session(server, redis_conn, mongo):
    tool = order_tool(server.base)
    arguments = '{"product_id": 7, "quantity": 1, "size": "42", "confirmed": true}'
    first = await tool_execute(
        tool=tool, arguments_json=arguments, tenant_id=1, channel="widget", session_id="sess-1", call_id="call-1"
    )
    again = await tool_execute(
        tool=tool, arguments_json=arguments, tenant_id=1, channel="widget", session_id="sess-1", call_id="call-1"
    )
    assert first.ok and again.ok
    assert again.status == "duplicate" and again.output == first.output and again.html is None
    assert server.hits("/echo/orders") == 1
    echoed = json.loads(server.seen[0].body)
    assert echoed["size"] == "42" and echoed["product_id"] == 7
    key = idempotency_key(tenant_id=1, session_id="sess-1", call_id="call-1")
    assert ("Idempotency-Key", key) in server.seen[0].headers
    # Another session may use the same call id.
    other = await tool_execute(
        tool=tool, arguments_json=arguments, tenant_id=1, channel="widget", session_id="sess-2", call_id="call-1"
    )
    assert other.status == "ok" and server.hits("/echo/orders") == 2


@pytest.mark.asyncio
async def test_concurrent_repeats_of_a_call_id_send_one_request(server, redis_conn, mongo):
    tool = order_tool(server.base)
    arguments = '{"product_id": 7, "quantity": 1, "confirmed": true}'
    results = await asyncio.gather(
        *[
            tool_execute(
                tool=tool, arguments_json=arguments, tenant_id=1, channel="widget", session_id="s", call_id="same"
            )
            for _ in range(5)
        ]
    )
    assert server.hits("/echo/orders") == 1
    assert sorted(r.status for r in results).count("ok") == 1
    assert all(r.output == ALREADY_EXECUTED or r.status in {"ok", "duplicate"} for r in results)


@pytest.mark.asyncio
async def test_writes_fail_closed_when_the_idempotency_store_is_down(server, mongo, settings):
    # A Redis that really is not there: nothing listens on port 1.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    write = await tool_execute(
        tool=order_tool(server.base),
        tenant_id=1,
        channel="widget",
        arguments_json='{"product_id": 1, "quantity": 1, "confirmed": true}',
        session_id="s",
        call_id="c",
    )
    assert write.error_class == "idempotency_unavailable" and write.output == UNAVAILABLE
    read = await tool_execute(
        tool=build_tool(server.base),
        arguments_json='{"query": "x"}',
        tenant_id=1,
        channel="widget",
        session_id="s",
        call_id="c",
    )
    assert read.ok
    assert server.hits("/echo") == 0 and server.hits("/products") == 1


@pytest.mark.asyncio
async def test_each_call_writes_one_tool_log_with_redacted_arguments(server, redis_conn, mongo):
    tool = build_tool(
        server.base,
        arguments_schema={
            "type": "object",
            "properties": {"query": {"type": "string"}, "password": {"type": "string"}},
            "additionalProperties": False,
        },
    )
    result = await tool_execute(
        tool=tool,
        arguments_json='{"query": "trail", "password": "hunter2"}',
        tenant_id=1,
        channel="console",
        session_id="s-9",
        call_id="c-9",
    )
    assert result.ok
    log = mongo["tool_logs"].find_one({"tenantId": 1, "sessionId": "s-9"})
    assert log["tool"] == "search_products" and log["channel"] == "console" and log["callId"] == "c-9"
    assert log["arguments"] == {"query": "trail", "password": "[redacted]"}
    assert log["status"] == "ok" and log["httpStatus"] == 200 and log["errorClass"] is None
    assert log["responseBytes"] > 0 and log["latencyMs"] > 0


@pytest.mark.asyncio
async def test_a_tool_with_a_visual_returns_the_rendered_card(server, redis_conn, mongo):
    tool = build_tool(
        server.base,
        visual="product_cards",
        visual_props={"products": "results"},
        card_actions=[{"action": "details", "label": "Tell me more", "arguments": {}}],
    )
    result = await tool_execute(
        tool=tool, arguments_json='{"query": "trail"}', tenant_id=1, channel="widget", session_id="s", call_id="v1"
    )
    assert result.ok and result.visual == "product_cards"
    assert len(result.props["products"]) == 8
    assert 'data-action="details" data-arguments="{}" data-title="Trail Runner 1">Tell me more</button>' in result.html
    assert [o.title for o in result.offers][:2] == ["Trail Runner 1", "Trail Runner 2"]
    assert json.loads(result.output)["count"] == 8 and len(json.loads(result.output)["items"]) == 3


@pytest.mark.asyncio
async def test_http_errors_reach_the_model_briefly_and_server_errors_uniformly(server, redis_conn, mongo):
    refused = await tool_execute(
        tool=build_tool(server.base, path_template="/status/409"),
        arguments_json="{}",
        tenant_id=1,
        channel="widget",
        session_id="s",
        call_id="e1",
    )
    assert refused.status == "http_error" and refused.http_status == 409
    assert refused.output == "The service refused the request (HTTP 409). It said: Out of stock"
    broken = await tool_execute(
        tool=build_tool(server.base, path_template="/status/503"),
        arguments_json="{}",
        tenant_id=1,
        channel="widget",
        session_id="s",
        call_id="e2",
    )
    assert broken.output == UNAVAILABLE and broken.error_class == "http_503"
    closed = await tool_execute(
        tool=build_tool(f"http://127.0.0.1:{server.port + 1}"),
        arguments_json="{}",
        tenant_id=1,
        channel="widget",
        session_id="s",
        call_id="e3",
    )
    assert closed.output == UNAVAILABLE
