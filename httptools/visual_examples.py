"""An example of each card's props and buttons, for the admin's card previews (and the test that every card
renders)."""

from __future__ import annotations

from typing import Any

IMAGE = "/static/widget/example-card.svg"

VISUAL_EXAMPLES: dict[str, dict[str, Any]] = {
    "product_cards": {
        "currency": "EUR",
        "products": [
            {"id": "p-001", "name": "Trail tent", "price": 149.0, "images": [IMAGE], "category": "Camping", "stock": 4},
            {
                "id": "p-002",
                "name": "Rain jacket",
                "price": 89.5,
                "images": [IMAGE],
                "sizes": ["S", "M", "L"],
                "stock": 0,
            },
        ],
    },
    "product_stats": {
        "stats": {
            "count": 42,
            "options": 180,
            "min_price": 9.9,
            "max_price": 499,
            "currency": "EUR",
            "categories": [{"name": "Camping", "count": 12, "min_price": 19, "max_price": 499}],
        }
    },
    "order_form": {"product": "Trail tent", "size": "2 people", "quantity": 1, "price": 149.0, "currency": "EUR"},
    "speaker_list": {
        "speakers": [{"name": "Ada Byron", "title": "CTO", "company": "Engines Ltd", "talk": "Notes on engines"}]
    },
    "event_info": {
        "event": {"name": "DevConf", "start_date": "2027-05-04", "end_date": "2027-05-06", "city": "Lisbon"}
    },
    "table": {
        "title": "Opening hours",
        "rows": [{"day": "Monday", "hours": "9-18"}, {"day": "Sunday", "hours": "closed"}],
    },
    "list": {
        "title": "Help articles",
        "items": [
            {
                "title": "Returns",
                "summary": "How to send something back within 30 days.",
                "url": "https://example.com/r",
            },
            {"title": "Shipping", "summary": "Delivery times and costs.", "image": IMAGE},
        ],
    },
    "details": {
        "details": {
            "name": "Order 1042",
            "status": "shipped",
            "carrier": "DHL",
            "tracking_url": "https://example.com/t",
        }
    },
    "gallery": {"title": "Photos", "images": [{"url": IMAGE, "caption": "Front"}, {"url": IMAGE, "caption": "Side"}]},
}

# A descriptor's `card_actions` for each example: the buttons the preview shows (see card_actions.py).
EXAMPLE_ACTIONS: dict[str, list[dict[str, Any]]] = {
    "product_cards": [
        {"action": "order", "label": "Order this", "tool": "place_order", "arguments": {"product_id": "id"}}
    ],
    "order_form": [{"action": "confirm", "label": "Confirm order"}, {"action": "cancel", "label": "Cancel"}],
    "speaker_list": [{"action": "details", "label": "Tell me more"}],
    "event_info": [
        {"action": "speakers", "label": "Speakers", "tool": "list_speakers"},
        {"action": "sessions", "label": "Sessions", "tool": "list_sessions"},
    ],
    "list": [{"action": "details", "label": "Tell me more"}],
}
