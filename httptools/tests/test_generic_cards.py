"""Generic cards (list, details, gallery), the card chosen from the registry in admin with a preview of each,
and the OpenAPI import proposing a card from the response shape."""

from __future__ import annotations

import pytest
from django.urls import reverse

from httptools.importers import openapi_proposals
from httptools.visual_examples import VISUAL_EXAMPLES
from httptools.visuals import VISUALS, VisualError, render_visual
from tests.support.factories import make_tool, make_user


@pytest.mark.parametrize("name", sorted(VISUALS))
def test_every_card_has_an_example_that_renders(name: str) -> None:
    html = render_visual(name, VISUAL_EXAMPLES[name])

    assert f'data-visual="{name}"' in html


def test_the_list_card_shows_titles_lines_and_safe_links_only() -> None:
    html = render_visual(
        "list",
        {
            "items": [
                {"title": "<b>Returns</b>", "summary": "Within 30 days.", "url": "javascript:alert(1)"},
                {"name": "Shipping", "link": "https://example.com/shipping"},
                "A plain text item",
            ]
        },
    )

    assert "&lt;b&gt;Returns&lt;/b&gt;" in html and "Within 30 days." in html
    assert "javascript:" not in html
    assert 'href="https://example.com/shipping"' in html and "A plain text item" in html
    assert "<button" not in html  # buttons only where the descriptor declares them


def test_the_details_card_lists_labelled_values_without_ids_or_nested_objects() -> None:
    html = render_visual(
        "details",
        {
            "details": {
                "name": "Order 1042",
                "order_id": 7,
                "status": "shipped",
                "items": ["tent", "mat"],
                "raw": {"a": 1},
            }
        },
    )

    assert "Order 1042" in html and "Status" in html and "shipped" in html and "tent, mat" in html
    assert "Order id" not in html and "Raw" not in html


def test_the_gallery_card_keeps_only_http_pictures() -> None:
    html = render_visual(
        "gallery",
        {
            "images": [
                "https://cdn.example.com/1.jpg",
                {"src": "data:text/html,x"},
                {"url": "/media/2.jpg", "caption": "Side"},
            ]
        },
    )

    assert html.count("<img") == 2 and "data:text/html" not in html and "Side" in html


def test_a_card_with_the_wrong_props_is_refused() -> None:
    with pytest.raises(VisualError):
        render_visual("gallery", {"pictures": []})


def _document(schema: dict, method: str = "get") -> dict:
    response = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    return {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/things": {method: {"operationId": "things", "responses": response}}},
    }


@pytest.mark.parametrize(
    ("schema", "card", "props"),
    [
        (
            {
                "type": "object",
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
                        },
                    }
                },
            },
            "list",
            {"items": "results"},
        ),
        (
            {
                "type": "array",
                "items": {"type": "object", "properties": {"day": {"type": "string"}, "hours": {"type": "string"}}},
            },
            "table",
            {"rows": "$"},
        ),
        ({"type": "array", "items": {"type": "string", "format": "uri"}}, "gallery", {"images": "$"}),
        (
            {"type": "object", "properties": {"status": {"type": "string"}, "eta": {"type": "string"}}},
            "details",
            {"details": "$"},
        ),
    ],
)
def test_the_openapi_import_proposes_a_card_from_the_response_shape(schema: dict, card: str, props: dict) -> None:
    (proposal,) = openapi_proposals(_document(schema))

    assert (proposal.data["visual"], proposal.data["visual_props"]) == (card, props)
    assert any(f"Proposed the {card} card" in note for note in proposal.notes)


def test_a_write_operation_gets_no_card() -> None:
    (proposal,) = openapi_proposals(_document({"type": "object", "properties": {"id": {"type": "string"}}}, "post"))

    assert proposal.data["visual"] == ""


@pytest.mark.django_db
def test_the_card_is_picked_from_the_registry_and_every_card_has_a_preview(client, personas) -> None:
    tool = make_tool(personas.tenant_a)
    client.force_login(personas.staff_a)

    form = client.get(reverse("admin:httptools_httptool_change", args=[tool.pk])).context["adminform"].form
    choices = [value for value, _ in form.fields["visual"].choices]
    page = client.get(reverse("admin:httptools_httptool_cards"))

    assert choices == ["", *VISUALS]
    assert page.status_code == 200
    html = page.content.decode()
    for name in VISUALS:
        assert f'id="card-{name}"' in html and f'data-visual="{name}"' in html
    response = client.post(
        reverse("admin:httptools_httptool_change", args=[tool.pk]),
        {**{k: v for k, v in form.initial.items() if v is not None}, "visual": "not_a_card"},
    )
    assert "visual" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_a_visitor_cannot_open_the_cards_page(client) -> None:
    client.force_login(make_user())

    assert client.get(reverse("admin:httptools_httptool_cards")).status_code == 302
