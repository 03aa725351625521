"""Saving descriptors: validation rules and the version history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agents.models import Agent, AgentTool, Prompt
from agents.services import prompt_publish
from httptools.models import HttpTool, HttpToolVersion
from httptools.services import tool_save, tool_test, tools_allowed
from tests.support.factories import build_tool, make_tool


def descriptor(tenant, **overrides):
    return build_tool(tenant=tenant, **{"response_mapping": {}, **overrides})


def test_every_change_bumps_the_version_and_keeps_a_snapshot(tenants):
    tool = tool_save(tool=descriptor(tenants[0]))
    assert tool.version == 1 and tool.versions.count() == 1
    tool.save()  # nothing changed: no new version
    assert tool.version == 1 and tool.versions.count() == 1
    tool.description = "Search products by name."
    tool_save(tool=tool)
    assert tool.version == 2
    snapshots = {v.version: v.snapshot for v in HttpToolVersion.objects.filter(tool=tool)}
    assert snapshots[1]["description"] == "Search the catalog."
    assert snapshots[2]["description"] == "Search products by name."
    tool.enabled = False
    tool.save(update_fields=["enabled"])
    tool.refresh_from_db()
    assert tool.version == 3


def test_the_arguments_schema_must_be_a_valid_closed_schema(tenants):
    with pytest.raises(ValidationError) as exc:
        tool_save(tool=descriptor(tenants[0], arguments_schema={"type": "object", "properties": {}}))
    assert "additionalProperties" in str(exc.value.message_dict["arguments_schema"])
    with pytest.raises(ValidationError) as exc:
        tool_save(
            tool=descriptor(
                tenants[0], arguments_schema={"type": "object", "properties": 5, "additionalProperties": False}
            )
        )
    assert "Not a valid JSON Schema" in str(exc.value.message_dict["arguments_schema"])


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"name": "Search Products"}, "name"),
        ({"path_template": "/items/{missing}"}, "path_template"),
        ({"path_template": "/a/../b"}, "path_template"),
        ({"headers": {"X-Api-Key": "literal-key-in-descriptor"}}, "headers"),
        ({"headers": {"X-Search": "{query}"}}, "headers"),
        ({"headers": {"X-Api-Key": "{{secret:lower}}"}}, "headers"),
        ({"query_params": {"key": "{{secret:API_KEY}}"}}, "query_params"),
        ({"body_template": {"q": "{query}"}}, "body_template"),  # GET has no body
        ({"constants": {"query": "x"}}, "constants"),
        ({"visual": "no_such_card"}, "visual"),
        ({"visual": "product_cards", "visual_props": {"nope": "results"}}, "visual_props"),
        ({"visual_props": {"products": "results"}}, "visual_props"),
        ({"response_mapping": {"max_items": 0}}, "response_mapping"),
        ({"response_mapping": {"fields": "name"}}, "response_mapping"),
        ({"response_mapping": {"limit": 3}}, "response_mapping"),
        (
            {
                "effect": "write",
                "method": "POST",
                "arguments_schema": {
                    "type": "object",
                    "properties": {"confirmed": {"type": "boolean"}},
                    "additionalProperties": False,
                },
            },
            "arguments_schema",
        ),
        ({"base_url": "https://api.example.com/v1"}, "base_url"),
    ],
)
def test_descriptor_rules_name_the_field_at_fault(tenants, overrides, field):
    with pytest.raises(ValidationError) as exc:
        tool_save(tool=descriptor(tenants[0], **overrides))
    assert field in exc.value.message_dict, exc.value.message_dict


def test_a_secret_header_and_a_body_template_are_accepted(tenants):
    tool = tool_save(
        tool=descriptor(
            tenants[0],
            name="place_order",
            method="POST",
            effect="write",
            query_params={},
            headers={"Authorization": "Bearer {{secret:SHOP_TOKEN}}"},
            body_template={"product_id": "{product_id}", "note": "via {channel}"},
            constants={"channel": "voice"},
            arguments_schema={
                "type": "object",
                "properties": {"product_id": {"type": "integer"}},
                "additionalProperties": False,
            },
        )
    )
    assert tool.pk and tool.version == 1


def test_the_allowed_tools_follow_the_agent_and_channel(tenants):
    tenant = tenants[0]
    prompt = Prompt.objects.create(tenant=tenant, name="p", identity="You help.", task="Shop.")
    prompt_publish(prompt=prompt)
    prompt.refresh_from_db()
    agent = Agent.objects.create(tenant=tenant, name="ProductCo Assistant", prompt=prompt)
    search = tool_save(tool=descriptor(tenant))
    stats = tool_save(tool=descriptor(tenant, name="catalog_stats", query_params={}))
    AgentTool.objects.create(agent=agent, tool=search, on_widget=True, on_console=True)
    AgentTool.objects.create(agent=agent, tool=stats, on_widget=False, on_console=True)
    assert [t.name for t in tools_allowed(agent=agent, channel="widget")] == ["search_products"]
    assert [t.name for t in tools_allowed(agent=agent, channel="console")] == ["catalog_stats", "search_products"]
    search.enabled = False
    search.save()
    assert tools_allowed(agent=agent, channel="widget") == []
    assert HttpTool.objects.count() == 2


def test_a_successful_test_run_marks_the_version_tested_and_a_failed_one_does_not(tenants, server):
    tool = make_tool(tenants[0], base_url=server.base)

    failed = tool_test(tool=tool, arguments_json='{"query": 5}')  # invalid arguments: nothing sent
    tool.refresh_from_db()
    assert not failed.result.ok and tool.tested_version is None

    passed = tool_test(tool=tool, arguments_json='{"query": "shoes"}')
    tool.refresh_from_db()
    assert passed.result.ok, passed.detail
    assert tool.tested_version == tool.version and tool.tested_at is not None

    tool.description = "Search the whole catalog."
    tool.save()
    tool.refresh_from_db()
    assert tool.tested_version == tool.version - 1  # the new version has not been tested
