"""A descriptor's card buttons: the save-time rules, tenant scope, and the fixed form a press reaches the model in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from httptools.card_actions import (
    CardActionRefused,
    Offer,
    click_text,
    declared_problems,
    offer_for_click,
    visitor_line,
)
from tests.support.factories import make_tenant, make_tool

ORDER = {"action": "order", "label": "Order this", "tool": "place_order", "arguments": {"product_id": "id"}}


def test_declared_actions_are_checked_when_the_descriptor_is_saved() -> None:
    assert declared_problems([ORDER], visual="product_cards") == []
    assert declared_problems([], visual="") == []
    assert declared_problems([ORDER], visual="") == ["Card actions need a card: choose a visual first."]
    problems = declared_problems(
        [
            {"action": "Order!", "label": "Order this"},
            {"action": "order", "label": ""},
            {"action": "order", "label": "Again"},
            {"action": "confirm", "label": "Yes", "tool": "place_order", "arguments": {"confirmed": "yes"}},
            {"action": "details", "label": "More", "arguments": {"id": "id"}},
        ],
        visual="product_cards",
    )
    assert "At most 4 actions per card." in problems
    assert "action 1: action must be a short snake_case name like 'order'." in problems
    assert "action 'order': label must be the button's text, 1 to 40 characters." in problems
    assert "action 3: the action 'order' is declared twice." in problems
    assert any("a button cannot confirm a change" in p for p in problems)
    assert declared_problems(["order"], visual="list") == ["action 1: must be an object with action and label."]


@pytest.mark.django_db
def test_a_button_may_only_ask_for_a_tool_of_the_same_tenant() -> None:
    shop, other = make_tenant(slug="shop"), make_tenant(slug="other")
    make_tool(other, name="place_order")
    search = make_tool(shop, name="search_products", visual="product_cards", visual_props={"products": "results"})
    search.card_actions = [ORDER]
    with pytest.raises(ValidationError) as refused:
        search.full_clean()
    assert refused.value.message_dict["card_actions"] == ["This tenant has no tool named place_order."]
    make_tool(shop, name="place_order")
    search.full_clean()  # now the shop's own tool


def test_a_press_reaches_the_model_in_one_marked_form_and_the_visitor_sees_a_short_line() -> None:
    offer = Offer(
        action="order",
        label="Order this",
        tool="place_order",
        arguments={"product_id": "p-041"},
        title="Trail Runner 2",
    )
    assert click_text(offer) == (
        '[card action] The visitor pressed "Order this" on "Trail Runner 2". Action: order; tool: place_order; '
        'product_id: "p-041".'
    )
    assert visitor_line(offer) == "Order this: Trail Runner 2"
    plain = Offer(action="details", label="Tell me more", tool="", arguments={}, title="")
    assert click_text(plain) == '[card action] The visitor pressed "Tell me more". Action: details.'


def test_a_press_is_taken_only_as_an_offered_button_with_the_target_tools_types() -> None:
    offers = [
        Offer(action="order", label="Order this", tool="place_order", arguments={"product_id": "p-041"}, title="A"),
        Offer(action="size", label="Size 42", tool="place_order", arguments={"quantity": 2}, title="B"),
    ]
    cards = {"call_1": ("search_products", offers)}
    schemas = {
        "place_order": {
            "type": "object",
            "properties": {
                "product_id": {"type": "string", "pattern": "^p-[0-9]{3}$"},
                "quantity": {"type": "integer"},
            },
        }
    }

    def press(**event: object) -> str:
        try:
            return offer_for_click(event, cards=cards, tool_schemas=schemas).title
        except CardActionRefused as refused:
            return refused.code

    assert press(callId="call_1", action="order", arguments={"product_id": "p-041"}) == "A"
    assert press(callId="call_1", action="size", arguments={"quantity": 2.0}) == "B"  # JSON's 2 for 2.0
    assert press(callId="call_1", action="size", arguments={"quantity": True}) == "invalid_arguments"
    assert press(callId="call_1", action="order", arguments={"product_id": "p-1"}) == "invalid_arguments"
    assert press(callId="call_1", action="order", arguments={"product_id": ["p-041"]}) == "invalid_arguments"
    assert press(callId="call_1", action="order", arguments={}) == "action_not_offered"
    assert press(callId="call_1", action="refund", arguments={}) == "unknown_action"
    assert press(callId="call_2", action="order", arguments={}) == "unknown_card"
    assert press(callId="call_1", action="Order!", arguments={}) == "invalid_action"
    # The agent of this session has no place_order (another tenant's, or not allowed on this channel).
    schemas.clear()
    assert press(callId="call_1", action="order", arguments={"product_id": "p-041"}) == "action_not_allowed"
