"""What the seed writes for each demo tenant (ProductCo, EventCo, Cypress): its settings, its prompt, its agent
and its HTTP tools. Plain data; `demo.seed.demo_seed` writes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from demo import data as demo_data
from httptools.models import Effect, Method

# The name of ProductCo's tenant secret; its tools send it in X-Api-Key.
PRODUCTCO_SECRET = "PRODUCTCO_API_KEY"

# --- The three tenants --------------------------------------------------------------------------------

TENANTS: dict[str, dict[str, Any]] = {
    "productco": {
        "name": "ProductCo",
        "brand_color": "#1f7a4d",
        "currency": "EUR",
        "locale": "en-IE",
        "welcome_text": "Hi! I'm the ProductCo assistant. Ask me about shoes, jackets, backpacks, tents or "
        "accessories, compare prices, or place an order by voice.",
        "disclaimer_text": "This voice assistant is an AI and can make mistakes; check prices and sizes "
        "before you buy. Conversations are recorded to improve the service.",
        "privacy_url": "https://productco.example/privacy",
        "requests_per_minute": 30,
        "max_concurrent_sessions": 5,
        "daily_budget_usd": Decimal("10.00"),
        "max_session_minutes": 10,
        "idle_timeout_seconds": 120,
        "transcript_retention_days": 30,
    },
    "eventco": {
        "name": "EventCo",
        "brand_color": "#6c4ab6",
        "currency": "EUR",
        "locale": "en-IE",
        "welcome_text": "Welcome to VoiceFirst Summit 2027! Ask me about speakers, the schedule, the venue or tickets.",
        "disclaimer_text": "This assistant is an AI and can make mistakes; the website schedule is the "
        "reference. Conversations are recorded to improve the service.",
        "requests_per_minute": 30,
        "max_concurrent_sessions": 5,
        "daily_budget_usd": Decimal("5.00"),
        "max_session_minutes": 10,
        "idle_timeout_seconds": 120,
        "transcript_retention_days": 30,
    },
    "cypress": {
        "name": "Cypress",
        "brand_color": "#0f766e",
        "currency": "EUR",
        "locale": "nl-NL",
        "welcome_text": "Hello from Cypress Garden Centre! Ask about plants, opening hours, delivery or "
        "our garden design service.",
        "disclaimer_text": "This assistant is an AI and can make mistakes. Conversations are recorded to "
        "improve the service.",
        "requests_per_minute": 20,
        "max_concurrent_sessions": 3,
        "daily_budget_usd": Decimal("3.00"),
        "max_session_minutes": 8,
        "idle_timeout_seconds": 90,
        "transcript_retention_days": 14,
    },
}

# --- Prompts and agents -------------------------------------------------------------------------------

PROMPTS: dict[str, dict[str, str]] = {
    "productco": {
        "name": "ProductCo shop assistant",
        "identity": "You are the voice assistant of ProductCo, an online outdoor store selling running "
        "shoes, jackets, backpacks, tents and accessories. You speak for the shop, warmly and knowledgeably.",
        "task": "Help visitors find the right product, compare options and prices, and place an order. "
        "Search the catalog before you name a product, price, size or stock level; never guess them. "
        "When the visitor wants to buy, collect the product, the option (size or colour), the quantity, "
        "their name and their email, read the order back with the total, and place it only after they "
        "say yes.",
        "tone": "Friendly, brief and concrete: one to three short sentences per answer, since the visitor is "
        'listening, not reading. Say prices the way people say them ("one hundred forty-nine euros '
        'ninety-five"). Mention at most three products at a time and let the cards on screen show the rest.',
        "rules": "Only talk about ProductCo's products, orders and outdoor-gear advice.\n"
        "Never invent products, prices, sizes, stock or delivery dates; if the catalog doesn't say, say so.\n"
        "Always confirm an order out loud (product, option, quantity, total, email) before placing it.\n"
        "Spell back email addresses letter by letter when you are unsure.\n"
        "Never ask for card numbers or passwords; payment happens by an email link after the order.\n"
        "At most 10 items of one product per order.\n"
        "If a tool fails, apologise briefly and offer the contact email support@productco.example.",
        "examples": "Visitor: I need waterproof trail shoes under 150 euros.\n"
        "Assistant: (searches trail shoes, max price 150) The Trailblazer GTX is waterproof with a Gore-Tex "
        "membrane, at 149.95 euros. Want to hear the sizes?\n\n"
        "Visitor: What's your cheapest tent?\n"
        "Assistant: (searches tents, cheapest first) The Beach Shelter at 59.90 euros, but it's a sun "
        "shelter. The cheapest tent for camping is the Basecamp 2 at 259 euros.\n\n"
        "Visitor: I'll take the Basecamp in green.\n"
        "Assistant: Great choice. One Basecamp 2 in green, 259 euros. What name and email should I put on "
        "the order?",
    },
    "eventco": {
        "name": "VoiceFirst Summit guide",
        "identity": "You are the voice guide of VoiceFirst Summit 2027, a two-day conference by EventCo in "
        "Lisbon on 18 and 19 March 2027.",
        "task": "Answer visitors' questions about the conference: dates, venue, tickets, speakers, topics "
        "and the session schedule. Look up event details, speakers and sessions with your tools before "
        "answering, and help visitors plan which talks to attend.",
        "tone": "Enthusiastic but concise: two or three short sentences. Use times as people say them "
        '("half past nine"). When listing, name at most three items and point to the cards on screen.',
        "rules": "Only discuss VoiceFirst Summit and EventCo.\n"
        "Never invent speakers, sessions, rooms, times or prices; if the data doesn't say, say so.\n"
        "You cannot sell or reserve tickets; send visitors to the ticket section of the website.\n"
        "For accessibility, refunds or invoices, give the contact email hello@voicefirst-summit.example.\n"
        "Do not share personal details about speakers beyond their public bio.",
        "examples": "Visitor: Who's talking about security?\n"
        "Assistant: (lists speakers with topic security) Lena Vogt from Brightgate. Her talk, Tool calls "
        "are an attack surface, is on day one at half past eleven on the Main Stage.\n\n"
        "Visitor: What's on the second morning in Room A?\n"
        "Assistant: (lists sessions on day 2) At half past ten, Ines Carvalho on observability for realtime "
        "sessions.",
    },
    "cypress": {
        "name": "Cypress garden helper",
        "identity": "You are the voice helper of Cypress Garden Centre, a family-run plant nursery and "
        "garden design studio in Utrecht.",
        "task": "Answer visitors' questions about the garden centre and give simple plant-care advice. "
        "Facts you may use: open Monday to Saturday 9:00 to 18:00 and Sunday 10:00 to 16:00; free parking; "
        "delivery within 25 km for 9.95 euros, free above 100 euros; garden design consultations from "
        "75 euros per hour, booked by phone on +31 30 123 4567 or by email at hello@cypress.example; "
        "plants have a one-year growth guarantee with the receipt.",
        "tone": "Calm and helpful, short answers of one or two sentences, plain words.",
        "rules": "Only use the facts above for prices, hours and services; never invent stock or prices.\n"
        "You cannot place orders or book appointments; give the phone number or email instead.\n"
        "For plant illnesses or pests you are unsure about, suggest bringing a photo or a leaf to the shop.",
        "examples": "Visitor: Are you open on Sunday?\n"
        "Assistant: Yes, on Sundays we're open from ten to four.\n\n"
        "Visitor: Do you deliver to Amersfoort?\n"
        "Assistant: Amersfoort is within 25 kilometres, so yes: 9.95 euros, or free for orders above 100 "
        "euros.",
    },
}

AGENTS: dict[str, dict[str, Any]] = {
    "productco": {
        "name": "ProductCo Assistant",
        "voice": "marin",
        "greeting": "Hi, welcome to ProductCo! What are you shopping for today?",
        "fallback_message": "Sorry, I can't reach the shop's catalog right now. Please try again in a moment.",
        "escalation_contact": "support@productco.example",
    },
    "eventco": {
        "name": "Event Agent",
        "voice": "cedar",
        "greeting": "Hello and welcome to VoiceFirst Summit 2027! How can I help you plan your visit?",
        "fallback_message": "Sorry, I can't look that up right now; the schedule on this page is always current.",
        "escalation_contact": "hello@voicefirst-summit.example",
    },
    "cypress": {
        "name": "Cypress Helper",
        "voice": "sage",
        "greeting": "Hello, this is Cypress Garden Centre. How can I help?",
        "fallback_message": "Sorry, I can't help with that right now. You can call us on +31 30 123 4567.",
        "escalation_contact": "+31 30 123 4567",
    },
}

# --- Tool descriptors ---------------------------------------------------------------------------------

_API_KEY_HEADER = {"X-Api-Key": "{{secret:" + PRODUCTCO_SECRET + "}}"}


def http_tools() -> dict[str, list[dict[str, Any]]]:
    return {
        "productco": [
            {
                "name": "search_products",
                "visitor_label": "Find products, prices, sizes and stock",
                "description": "Search ProductCo's catalog by words, category and maximum price, sorted by "
                "relevance or price (sort cheapest to find the cheapest products). Use it before naming any "
                "product, price, option or stock level, and to find a product's id and options before "
                "placing an order.",
                "method": Method.GET,
                "path_template": "/demo/productco/api/products",
                "query_params": {
                    "query": "{query}",
                    "category": "{category}",
                    "max_price": "{max_price}",
                    "sort": "{sort}",
                    "limit": "8",
                },
                "headers": _API_KEY_HEADER,
                "body_template": None,
                "arguments_schema": {
                    "type": "object",
                    "properties": {
                        "query": {
                            "type": "string",
                            "maxLength": 100,
                            "description": "Words to look for in names and descriptions, e.g. "
                            "'waterproof trail' or 'down jacket'.",
                        },
                        "category": {
                            "type": "string",
                            "enum": demo_data.CATEGORIES,
                            "description": "Only products in this category.",
                        },
                        "max_price": {"type": "number", "minimum": 0, "description": "Highest price in euros."},
                        "sort": {
                            "type": "string",
                            "enum": ["relevance", "cheapest", "priciest"],
                            "description": "Order of results: relevance = best match first (default); "
                            "cheapest = lowest price first; priciest = highest price first.",
                        },
                    },
                    "additionalProperties": False,
                },
                "effect": Effect.READ,
                # id and options too: place_order needs the product id and one of its options.
                "response_mapping": {
                    "items": "results",
                    "fields": ["id", "name", "price", "currency", "category", "options"],
                    "max_items": 8,
                    "max_chars": 3000,
                },
                "visual": "product_cards",
                "visual_props": {"products": "results"},
                # "Order this" asks for place_order with the product's id; the agent still collects the
                # option, name and email and waits for the visitor's yes.
                "card_actions": [
                    {
                        "action": "order",
                        "label": "Order this",
                        "tool": "place_order",
                        "arguments": {"product_id": "id"},
                    }
                ],
            },
            {
                "name": "catalog_stats",
                "visitor_label": "How many products there are and the price range",
                "description": "Catalog figures: how many products and options (sizes/colours) there "
                "are, and the price range, overall and per category. Use it for 'how many' and "
                "'what price range' questions.",
                "method": Method.GET,
                "path_template": "/demo/productco/api/stats",
                "query_params": {"category": "{category}"},
                "headers": _API_KEY_HEADER,
                "body_template": None,
                "arguments_schema": {
                    "type": "object",
                    "properties": {
                        "category": {
                            "type": "string",
                            "enum": demo_data.CATEGORIES,
                            "description": "Only this category; omit for the whole catalog.",
                        },
                    },
                    "additionalProperties": False,
                },
                "effect": Effect.READ,
                "response_mapping": {"max_chars": 2500},
                "visual": "product_stats",
                "visual_props": {"stats": "$"},
            },
            {
                "name": "place_order",
                "visitor_label": "Place an order for you",
                "description": "Place an order for one product option. Only after the visitor has confirmed "
                "the product, option, quantity, total, name and email out loud. Payment is by an email "
                "link sent afterwards.",
                "method": Method.POST,
                "path_template": "/demo/productco/api/orders",
                "query_params": {},
                "headers": _API_KEY_HEADER,
                "body_template": {
                    "product_id": "{product_id}",
                    "option": "{option}",
                    "quantity": "{quantity}",
                    "customer_name": "{customer_name}",
                    "customer_email": "{customer_email}",
                },
                "arguments_schema": {
                    "type": "object",
                    "properties": {
                        "product_id": {
                            "type": "string",
                            "pattern": "^p-[0-9]{3}$",
                            "description": "The product id from search_products, e.g. p-001.",
                        },
                        "option": {
                            "type": "string",
                            "description": "Exactly one of the product's options (size or colour).",
                        },
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 10},
                        "customer_name": {"type": "string", "minLength": 1, "maxLength": 120},
                        "customer_email": {"type": "string", "format": "email", "maxLength": 254},
                    },
                    "required": ["product_id", "option", "quantity", "customer_name", "customer_email"],
                    "additionalProperties": False,
                },
                "effect": Effect.WRITE,
                "response_mapping": {"max_chars": 1500},
                "visual": "order_form",
                "visual_props": {"order": "$"},
            },
        ],
        "eventco": [
            {
                "name": "get_event_info",
                "visitor_label": "Dates, venue and tickets",
                "description": "VoiceFirst Summit 2027 details: dates, venue, address, description, "
                "tracks and ticket types with prices.",
                "method": Method.GET,
                "path_template": "/demo/eventco/api/event",
                "query_params": {},
                "headers": {},
                "body_template": None,
                "arguments_schema": {"type": "object", "properties": {}, "additionalProperties": False},
                "effect": Effect.READ,
                "response_mapping": {"max_chars": 3000},
                "visual": "event_info",
                "visual_props": {"event": "$"},
                "card_actions": [
                    {"action": "speakers", "label": "Speakers", "tool": "list_speakers"},
                    {"action": "sessions", "label": "Sessions", "tool": "list_sessions"},
                ],
            },
            {
                "name": "list_speakers",
                "visitor_label": "Who is speaking, and about what",
                "description": "The conference speakers with title, company, topics and bio; optionally only "
                "those speaking about a topic.",
                "method": Method.GET,
                "path_template": "/demo/eventco/api/speakers",
                "query_params": {"topic": "{topic}"},
                "headers": {},
                "body_template": None,
                "arguments_schema": {
                    "type": "object",
                    "properties": {
                        "topic": {
                            "type": "string",
                            "maxLength": 60,
                            "description": "A topic word such as 'security', 'accessibility' or 'WebRTC'.",
                        },
                    },
                    "additionalProperties": False,
                },
                "effect": Effect.READ,
                "response_mapping": {
                    "items": "speakers",
                    "fields": ["name", "title", "company", "topics"],
                    "max_items": 12,
                    "max_chars": 3000,
                },
                "visual": "speaker_list",
                "visual_props": {"speakers": "speakers"},
                "card_actions": [{"action": "details", "label": "Tell me more"}],
            },
            {
                "name": "list_sessions",
                "visitor_label": "The session schedule, by day or track",
                "description": "The schedule: sessions with time, room, track and speakers; optionally "
                "one day "
                f"(1 = {demo_data.DAYS[1]}, 2 = {demo_data.DAYS[2]}) or one track.",
                "method": Method.GET,
                "path_template": "/demo/eventco/api/talks",
                "query_params": {"day": "{day}", "track": "{track}"},
                "headers": {},
                "body_template": None,
                "arguments_schema": {
                    "type": "object",
                    "properties": {
                        "day": {
                            "type": "integer",
                            "enum": sorted(demo_data.DAYS),
                            "description": "Conference day: 1 or 2.",
                        },
                        "track": {"type": "string", "enum": demo_data.TRACKS},
                    },
                    "additionalProperties": False,
                },
                "effect": Effect.READ,
                "response_mapping": {
                    "items": "talks",
                    "fields": ["title", "speakers", "day", "start", "end", "room", "track"],
                    "max_items": 20,
                    "max_chars": 4000,
                },
                # Only rows: a constant table title cannot be expressed as a response path.
                "visual": "table",
                "visual_props": {"rows": "talks"},
            },
        ],
        "cypress": [],
    }
