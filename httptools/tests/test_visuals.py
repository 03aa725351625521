"""The visuals registry: every card renders from valid props, escapes everything, validates first."""

from __future__ import annotations

import pytest
from django.utils.translation import get_language

from httptools.visuals import VISUALS, VisualError, render_card, render_visual

SAMPLES = {
    "product_cards": {
        "products": [
            {
                "id": "p-002",
                "name": "Trail Runner 2",
                "price": 89.5,
                "currency": "EUR",
                "images": ["https://cdn.example.com/tr2.jpg"],
            }
        ]
    },
    "product_stats": {
        "count": 42,
        "min_price": 19.99,
        "max_price": 180,
        "currency": "EUR",
        "categories": [{"name": "shoes", "count": 30}],
    },
    "order_form": {"product": "Trail Runner 2", "size": "42", "quantity": 1, "total": 89.5, "currency": "EUR"},
    "speaker_list": {
        "speakers": [
            {
                "name": "Ada Lovelace",
                "title": "Keynote",
                "company": "Analytical Engines",
                "photo": "https://cdn.example.com/ada.jpg",
            }
        ]
    },
    "event_info": {
        "name": "VoiceConf 2026",
        "start_date": "2026-10-01",
        "end_date": "2026-10-02",
        "venue": "Messe",
        "city": "Berlin",
    },
    "table": {"rows": [{"time": "09:00", "title": "Opening"}, {"time": "10:00", "title": "Agents"}]},
}


def test_the_registry_has_the_required_visuals():
    assert set(SAMPLES) <= set(VISUALS)
    for visual in VISUALS.values():
        assert visual.description and visual.props_schema["type"] == "object"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_visual_renders_an_html_fragment(name):
    html = render_visual(name, SAMPLES[name])
    assert html.startswith("<section") and f'data-visual="{name}"' in html
    assert "<html" not in html and "<script" not in html


ORDER = [{"action": "order", "label": "Order this", "tool": "place_order", "arguments": {"product_id": "id"}}]


def test_product_cards_carry_the_declared_button_with_the_items_values():
    html, offers = render_card("product_cards", SAMPLES["product_cards"], ORDER)
    assert (
        '<button type="button" class="va-action" data-action="order" data-arguments="{&quot;product_id&quot;:'
        '&quot;p-002&quot;}" data-title="Trail Runner 2">Order this</button>'
    ) in html
    assert [o.as_data() for o in offers] == [
        {
            "action": "order",
            "label": "Order this",
            "tool": "place_order",
            "arguments": {"product_id": "p-002"},
            "title": "Trail Runner 2",
        }
    ]
    assert 'src="https://cdn.example.com/tr2.jpg"' in html
    # The amount and code for the widget's Intl formatting, the server's text until then.
    assert '<data class="va-price" value="89.50" data-currency="EUR">89.50 EUR</data>' in html


def test_a_card_without_declared_actions_has_no_buttons_and_an_item_lacking_a_field_offers_none():
    assert "<button" not in render_visual("product_cards", SAMPLES["product_cards"])
    no_id = {"products": [{"name": "Loose item", "price": 5}]}
    html, offers = render_card("product_cards", no_id, ORDER)
    assert "<button" not in html and offers == []


def test_props_are_escaped_and_unsafe_urls_dropped():
    hostile = {
        "products": [
            {
                "name": '<img src=x onerror=alert(1)>"',
                "price": "1",
                "image": "javascript:alert(1)",
                "url": "javascript:alert(2)",
                "description": "</section><script>alert(3)</script>",
            }
        ]
    }
    html = render_visual("product_cards", hostile)
    assert "<img src=x" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;" in html
    assert "javascript:" not in html
    row = render_visual("table", {"rows": [["<b>bold</b>", {"nested": "<i>"}]]})
    assert "<b>" not in row and "&lt;b&gt;" in row


def test_props_are_validated_against_the_schema_first():
    with pytest.raises(VisualError):
        render_visual("product_cards", {"products": "not a list"})
    with pytest.raises(VisualError):
        render_visual("speaker_list", {})
    with pytest.raises(VisualError):
        render_visual("no_such_visual", {})


def test_an_order_form_before_and_after_placing():
    buttons = [{"action": "confirm", "label": "Confirm order"}, {"action": "cancel", "label": "Cancel"}]
    draft, offers = render_card("order_form", SAMPLES["order_form"], buttons)
    assert 'data-action="confirm"' in draft and 'data-action="cancel"' in draft
    assert [o.title for o in offers] == ["Trail Runner 2", "Trail Runner 2"]
    placed, _ = render_card(
        "order_form", {**SAMPLES["order_form"], "order_id": "A-1001", "status": "confirmed"}, buttons
    )
    assert "A-1001" in placed and 'data-action="confirm"' not in placed


def test_cards_accept_a_whole_response_under_one_prop():
    stats = render_visual(
        "product_stats",
        {
            "stats": {
                "total_products": 20,
                "total_options": 64,
                "lowest_price": 19.0,
                "highest_price": 420.0,
                "currency": "EUR",
                "by_category": [
                    {"category": "tents", "products": 3, "options": 6, "lowest_price": 150, "highest_price": 420}
                ],
            }
        },
    )
    assert "20" in stats and "19.00" in stats and "420.00" in stats and "tents: 3" in stats
    order = render_visual(
        "order_form",
        {
            "order": {
                "order_id": "ord_1",
                "status": "confirmed",
                "product": "Trail Runner 2",
                "option": "42",
                "quantity": 1,
                "total": 129.0,
                "currency": "EUR",
                "customer_name": "Ada",
                "customer_email": "ada@example.com",
            }
        },
    )
    assert "Order placed" in order and "ord_1" in order and "ada@example.com" in order
    event = render_visual(
        "event_info",
        {
            "event": {
                "name": "VoiceFirst Summit 2027",
                "dates": "18–19 March 2027",
                "venue": "Harbour Hall",
                "city": "Lisbon",
                "country": "Portugal",
                "tracks": ["Voice & AI"],
                "website": "http://127.0.0.1:8000/demo/eventco/",
                "tickets": [{"name": "Standard", "price": 349, "currency": "EUR"}],
            }
        },
    )
    assert "18–19 March 2027" in event and "Lisbon, Portugal" in event and ">349.00 EUR</data>" in event
    assert "Voice &amp; AI" in event
    sessions = render_visual(
        "table",
        {
            "rows": [
                {
                    "id": "s-1",
                    "title": "Opening",
                    "abstract": "x" * 200,
                    "speaker_ids": ["sp-1"],
                    "day": 1,
                    "start": "09:00",
                    "room": "Main Stage",
                    "speakers": "Ada",
                }
            ]
        },
    )
    assert '<th scope="col">Title</th>' in sessions and "Abstract" not in sessions and "s-1" not in sessions


def test_an_order_whose_product_is_a_record_shows_the_product_name_not_its_json():
    placed = render_visual(
        "order_form",
        {
            "order": {
                "order_id": "ord_2",
                "status": "received",
                "product": {"id": "p-048", "name": "Trail Buds", "price": 79.0, "image": "https://cdn.example/b.png"},
                "total": 79.0,
                "currency": "EUR",
            }
        },
    )
    assert "<dd>Trail Buds</dd>" in placed and "&quot;id&quot;" not in placed and "https://cdn.example/b.png" in placed


# --- the cards' fixed texts in the session agent's language ----------------------------------------------------


def test_a_german_sessions_product_card_shows_german_fixed_texts_and_the_tenants_own_words():
    products = {
        "products": [
            {"id": "p-1", "name": "Trail Runner 2", "price": 1234.5, "currency": "EUR", "stock": 3, "options": ["S"]},
            {"id": "p-2", "name": "Ridge Tent", "price": 89, "stock": 0},
        ]
    }
    english, _ = render_card("product_cards", products, ORDER)
    german, offers = render_card("product_cards", products, ORDER, language="de")

    assert "In stock" in english and "Out of stock" in english and "Options: S" in english
    assert ">Auf Lager<" in german and ">Nicht vorrätig<" in german and ">Optionen: S<" in german
    assert "stock" not in german.replace("va-product-stock", "")
    # The descriptor's button label and the API's names are the tenant's words: as written.
    assert ">Order this</button>" in german and "Trail Runner 2" in german
    assert [o.label for o in offers] == ["Order this", "Order this"]
    # Prices stay machine-readable for the widget, which formats them in the tenant's locale.
    assert '<data class="va-price" value="1234.50" data-currency="EUR">1,234.50 EUR</data>' in german
    assert render_card("product_cards", {"products": []}, [], language="de")[0].count("Keine Produkte gefunden.") == 1


def test_the_other_cards_fixed_texts_follow_the_language_and_dates_and_numbers_stay_as_the_api_gave_them():
    order = render_card("order_form", {**SAMPLES["order_form"], "order_id": "A-17"}, [], language="fr")[0]
    assert "Commande passée" in order and "Numéro de commande" in order and "Taille" in order
    assert ">passée<" in order and '<data class="va-price" value="89.50" data-currency="EUR">' in order
    stats = render_card("product_stats", SAMPLES["product_stats"], [], language="es")[0]
    assert ">Catálogo<" in stats and "Precio más bajo" in stats and "<dd>42</dd>" in stats
    event = render_card("event_info", SAMPLES["event_info"], [], language="pt-BR")[0]
    assert ">Quando<" in event and "2026-10-01 – 2026-10-02" in event and ">Onde<" in event
    details = render_card("details", {"details": {"in_stock": True, "weight_kg": 1.25}}, [], language="de")[0]
    assert ">ja<" in details and ">1.25<" in details
    assert ">Vortragende<" in render_card("speaker_list", {"speakers": []}, [], language="de")[0]


def test_a_language_the_platform_has_no_catalogue_for_gets_english_cards():
    for language in ("xx", "ja", "", "../de"):
        html = render_card("order_form", SAMPLES["order_form"], [], language=language)[0]
        assert "Your order" in html and "Quantity" in html, language
    # The override ends with the card: the admin's own language is untouched.
    assert get_language() == "en-us"
