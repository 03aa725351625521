"""Card buttons that act, through a real Daphne server and visitor socket with the simulator answering: the server
takes a press only as one of the buttons the card it showed offered, with the target tool's types, and only for
a tool of the session's own agent; a good press becomes the agent's next step (here: asking for what an order
still needs), a bad one a clear error frame and nothing else."""

from __future__ import annotations

import asyncio
import html
import json
import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from httptools.models import HttpTool
from tenants.models import Tenant
from tests.support.live import widget_token
from tests.support.servers import LiveServer
from tests.support.voice import VoiceClient, open_voice
from transcripts import store as transcripts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SAID = ("response.output_text.done", "response.output_audio_transcript.done")
BUTTON = re.compile(r'data-action="(\w+)" data-arguments="([^"]*)" data-title="([^"]*)"')


async def cheapest_card(demo_live: LiveServer) -> tuple[VoiceClient, str, dict[str, Any], str]:
    """A visitor asks for the cheapest product; returns the socket, the card's call id, its first button's
    arguments and that product's name."""
    client = await open_voice(demo_live, await sync_to_async(widget_token)("productco"))
    await client.until_type("platform.session")
    await client.say("what is your cheapest product")
    card = await client.until(lambda e: e.get("type") == "platform.visual" and e["tool"] == "search_products")
    action, arguments, title = BUTTON.search(card["html"]).groups()  # type: ignore[union-attr]
    assert action == "order"
    await client.until(lambda e: e.get("type") == "response.done" and e["response"]["status"] == "completed")
    return client, card["callId"], json.loads(html.unescape(arguments)), html.unescape(title)


async def press(client: VoiceClient, call_id: str, action: str, arguments: Any) -> dict[str, Any]:
    """Send a press and return the first answer to it: an error frame, or the agent's reply."""
    await client.send({"type": "platform.action", "callId": call_id, "action": action, "arguments": arguments})
    return await client.until(lambda e: e.get("type") in ("error", *SAID))


def _retarget(tool_name: str) -> None:
    """A descriptor whose button names a tool of another tenant (saved without the admin's check)."""
    tool = HttpTool.objects.get(tenant__slug="productco", name="search_products")
    tool.card_actions = [{"action": "order", "label": "Order this", "tool": tool_name, "arguments": {}}]
    tool.save()


async def test_a_card_press_is_checked_against_the_card_and_becomes_the_agents_next_step(
    demo_live: LiveServer,
) -> None:
    client, call_id, arguments, product = await cheapest_card(demo_live)
    assert set(arguments) == {"product_id"} and re.fullmatch(r"p-\d{3}", arguments["product_id"])

    refused = await press(client, call_id, "refund", arguments)
    assert refused["type"] == "error" and refused["error"]["code"] == "unknown_action"
    assert "search_products card has no action 'refund'" in refused["error"]["message"]
    refused = await press(client, call_id, "order", {"product_id": 41})
    assert refused["error"]["code"] == "invalid_arguments" and "is not of type 'string'" in refused["error"]["message"]
    refused = await press(client, call_id, "order", {"product_id": "p-999"})  # typed right, never offered
    assert refused["error"]["code"] == "action_not_offered"
    refused = await press(client, call_id, "order", {"confirmed": True})  # a button never confirms a write
    assert refused["error"]["code"] == "invalid_arguments"
    refused = await press(client, "call_someone_elses", "order", arguments)
    assert refused["error"]["code"] == "unknown_card"
    refused = await press(client, call_id, "order", "p-001")
    assert refused["error"]["code"] == "invalid_action"

    said = await press(client, call_id, "order", arguments)
    assert said["type"] in SAID
    text = said.get("text") or said.get("transcript") or ""
    assert text.startswith("To place the order, I still need the option"), text
    errors_before = [e for e in client.events if e.get("type") == "error"]
    assert len(errors_before) == 6  # one frame per refused press, and nothing else refused
    # The visitor's side shows its own line for the press: the server echoes no marked text to the widget.
    echoed = [json.dumps(e["item"]) for e in client.events if e.get("type") == "conversation.item.done"]
    assert echoed and not any("[card action]" in item for item in echoed)
    session_id = next(e["sessionId"] for e in client.events if e.get("type") == "platform.session")
    await client.ws.close()

    def written() -> tuple[list[str], list[dict[str, Any]]]:
        tenant_id = Tenant.objects.get(slug="productco").pk
        transcript = transcripts.transcript_for_session(tenant_id=tenant_id, session_id=session_id)
        logs = transcripts.tool_logs_for_session(tenant_id=tenant_id, session_id=session_id)
        return [t["text"] for t in transcript if t["role"] == "user"], [d for d in logs if d["kind"] == "card_action"]

    lines, logs = await _eventually(written)
    assert f'[card action] The visitor pressed "Order this" on "{product}"' in lines[-1]
    assert f'tool: place_order; product_id: "{arguments["product_id"]}"' in lines[-1]
    assert [(log["action"], log["target"], log["arguments"]) for log in logs] == [("order", "place_order", arguments)]

    # A button naming another tenant's tool: the session's agent cannot call it, so the press is refused.
    await sync_to_async(_retarget)("list_sessions")
    client, call_id, _, _ = await cheapest_card(demo_live)
    refused = await press(client, call_id, "order", {})
    assert refused["error"]["code"] == "action_not_allowed"
    await client.ws.close()


async def _eventually(read: Any) -> Any:
    async with asyncio.timeout(10):
        while True:
            lines, logs = await sync_to_async(read)()
            if lines and logs:
                return lines, logs
            await asyncio.sleep(0.1)
