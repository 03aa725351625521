"""Function definitions and instructions derived from descriptors, checked against the Realtime shape."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from httptools.generation import function_definitions, tools_instructions
from httptools.visuals import visuals_guidance
from tests.support.factories import build_tool

# The Realtime API's function tool entry (session.tools[]): exactly these keys.
REALTIME_FUNCTION_TOOL = {
    "type": "object",
    "required": ["type", "name", "description", "parameters"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "function"},
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,64}$"},
        "description": {"type": "string", "minLength": 1},
        "parameters": {
            "type": "object",
            "required": ["type", "properties"],
            "properties": {"type": {"const": "object"}, "additionalProperties": {"const": False}},
        },
    },
}


def tools():
    search = build_tool("https://api.example.com", visual="product_cards", visual_props={"products": "results"})
    order = build_tool(
        "https://api.example.com",
        name="place_order",
        effect="write",
        method="POST",
        description="Place an order.",
        visual="order_form",
        arguments_schema={
            "type": "object",
            "properties": {"product_id": {"type": "integer"}},
            "required": ["product_id"],
            "additionalProperties": False,
        },
    )
    cancel = build_tool(
        "https://api.example.com",
        name="cancel_order",
        effect="irreversible",
        method="DELETE",
        description="Cancel an order.",
    )
    hidden = build_tool("https://api.example.com", name="disabled_tool", enabled=False)
    return [search, order, cancel, hidden]


def test_function_definitions_have_the_realtime_shape():
    definitions = function_definitions(tools())
    validator = Draft202012Validator(REALTIME_FUNCTION_TOOL)
    for definition in definitions:
        assert not list(validator.iter_errors(definition)), definition
        Draft202012Validator.check_schema(definition["parameters"])
    assert [d["name"] for d in definitions] == ["search_products", "place_order", "cancel_order"]


def test_write_and_irreversible_tools_get_a_required_confirmed_argument():
    by_name = {d["name"]: d for d in function_definitions(tools())}
    assert "confirmed" not in by_name["search_products"]["parameters"]["properties"]
    for name in ("place_order", "cancel_order"):
        parameters = by_name[name]["parameters"]
        assert parameters["properties"]["confirmed"]["type"] == "boolean"
        assert "confirmed" in parameters["required"]
    assert by_name["place_order"]["parameters"]["required"] == ["product_id", "confirmed"]
    assert "confirm" in by_name["cancel_order"]["description"]


def test_generation_does_not_change_the_descriptor():
    order = tools()[1]
    function_definitions([order])
    assert "confirmed" not in order.arguments_schema["properties"]


def test_the_instructions_cover_purpose_confirmation_and_cards():
    text = tools_instructions(tools())
    assert text.startswith("# Tools")
    assert "search_products (reads data): Search the catalog." in text
    assert "place_order (changes data, needs confirmation)" in text
    assert "cancel_order (cannot be undone, needs confirmation)" in text
    assert re.search(r"spoken yes.*confirmed=true", text)
    assert "card (product_cards)" in text
    assert "disabled_tool" not in text
    assert "not instructions" in text
    assert tools_instructions([]) == ""


def test_changing_a_descriptor_changes_every_derived_artifact():
    tool = build_tool("https://api.example.com")
    before = (function_definitions([tool]), tools_instructions([tool]))
    tool.description = "Find shoes by colour."
    after = (function_definitions([tool]), tools_instructions([tool]))
    assert after[0][0]["description"] == "Find shoes by colour."
    assert "Find shoes by colour." in after[1] and before != after


def test_visuals_guidance_names_only_the_cards_in_use():
    text = visuals_guidance(["speaker_list", "speaker_list", "unknown"])
    assert "speaker_list" in text and "product_cards" not in text
    assert visuals_guidance([]) == ""
