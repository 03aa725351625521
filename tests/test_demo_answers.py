"""The offline demo's answers: with the demo tenants' real tool schemas, the simulator picks the tool the words
ask for, fills its arguments from the schema (never the whole sentence), completes an order through a read-back
and a yes, and says a tool result in a sentence instead of dumping it."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from agents.simulator.conversation import Item
from agents.simulator.replies import SPEECH_AGAIN, SPEECH_HONEST, Plan, plan_response
from agents.simulator.summaries import summarise
from demo import data as demo_data
from demo.tenant_definitions import http_tools
from httptools.generation import tool_parameters
from httptools.models import HttpTool


def tools(tenant: str) -> list[dict[str, Any]]:
    """The function definitions a session sends, as the platform derives them (writes get `confirmed`)."""
    definitions = []
    for fields in http_tools()[tenant]:
        tool = HttpTool(name=fields["name"], arguments_schema=fields["arguments_schema"], effect=fields["effect"])
        parameters = tool_parameters(tool)
        definitions.append(
            {"type": "function", "name": fields["name"], "description": fields["description"], "parameters": parameters}
        )
    return definitions


def user(text: str) -> Item:
    return Item(data={"id": "u", "type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})


def spoken() -> Item:
    content = [{"type": "input_audio", "transcript": "(voice message, 2.0 s)"}]
    return Item(data={"id": "s", "type": "message", "role": "user", "content": content}, audio_ms=2000)


def assistant(text: str) -> Item:
    content = [{"type": "output_text", "text": text}]
    return Item(data={"id": "a", "type": "message", "role": "assistant", "content": content})


def plan(tenant: str, *items: Item) -> Plan:
    return plan_response("", list(items), tools(tenant), "auto")


@pytest.mark.parametrize(
    ("tenant", "question", "tool", "arguments"),
    [
        ("productco", "what is your cheapest product", "search_products", {"sort": "cheapest"}),
        ("productco", "headphones under 100", "search_products", {"query": "headphones", "max_price": 100}),
        ("productco", "show me jackets below 150 euros", "search_products", {"category": "jackets", "max_price": 150}),
        ("productco", "catalog stats", "catalog_stats", {}),
        ("productco", "how many products do you have", "catalog_stats", {}),
        ("eventco", "who are the speakers", "list_speakers", {}),
        ("eventco", "speakers about security", "list_speakers", {"topic": "security"}),
        ("eventco", "sessions on day 2", "list_sessions", {"day": 2}),
        ("eventco", "where is the conference", "get_event_info", {}),
        # Words around the question are no argument: "speaking" names the tool, "talk about" leads to the topic,
        # "anything" and "most" are no search words; numbers said as words count.
        ("eventco", "who is speaking", "list_speakers", {}),
        ("eventco", "which speakers talk about AI", "list_speakers", {"topic": "ai"}),
        ("eventco", "schedule for day two", "list_sessions", {"day": 2}),
        ("eventco", "talks on the second day", "list_sessions", {"day": 2}),
        ("productco", "anything under 50", "search_products", {"max_price": 50}),
        ("productco", "most expensive tent", "search_products", {"category": "tents", "sort": "priciest"}),
    ],
)
def test_it_picks_the_tool_the_words_ask_for_with_arguments_from_the_schema(
    tenant: str, question: str, tool: str, arguments: dict[str, Any]
) -> None:
    decided = plan(tenant, user(question))
    assert decided.kind == "function_call" and decided.call is not None, decided
    assert decided.call.name == tool
    assert json.loads(decided.call.arguments) == arguments


@pytest.mark.parametrize(
    ("language", "tenant", "question", "tool", "arguments"),
    [
        (
            "de",
            "productco",
            "Was sind die günstigsten Socken?",
            "search_products",
            {"query": "socks", "sort": "cheapest"},
        ),
        (
            "fr",
            "productco",
            "Quelles sont les chaussettes les moins chères ?",
            "search_products",
            {"query": "socks", "sort": "cheapest"},
        ),
        (
            "es",
            "productco",
            "¿Cuáles son los calcetines más baratos?",
            "search_products",
            {"query": "socks", "sort": "cheapest"},
        ),
        (
            "pt",
            "productco",
            "Quais são as meias mais baratas?",
            "search_products",
            {"query": "socks", "sort": "cheapest"},
        ),
        ("de", "productco", "Was ist euer günstigstes Produkt?", "search_products", {"sort": "cheapest"}),
        ("fr", "productco", "Quel est votre produit le moins cher ?", "search_products", {"sort": "cheapest"}),
        ("es", "productco", "¿Cuál es su producto más barato?", "search_products", {"sort": "cheapest"}),
        ("pt", "productco", "Qual é o seu produto mais barato?", "search_products", {"sort": "cheapest"}),
        ("de", "productco", "Kopfhörer unter 100 Euro", "search_products", {"query": "headphones", "max_price": 100}),
        (
            "fr",
            "productco",
            "Un casque à moins de 100 euros",
            "search_products",
            {"query": "headphones", "max_price": 100},
        ),
        (
            "es",
            "productco",
            "Auriculares por menos de 100 euros",
            "search_products",
            {"query": "headphones", "max_price": 100},
        ),
        (
            "pt",
            "productco",
            "Fones de ouvido abaixo de 100 euros",
            "search_products",
            {"query": "headphones", "max_price": 100},
        ),
        ("de", "productco", "Katalogstatistik", "catalog_stats", {}),
        ("de", "productco", "Wie viele Produkte habt ihr?", "catalog_stats", {}),
        ("fr", "productco", "Combien de produits avez-vous ?", "catalog_stats", {}),
        ("es", "productco", "Estadísticas del catálogo", "catalog_stats", {}),
        ("pt", "productco", "Quantos produtos vocês têm?", "catalog_stats", {}),
        ("de", "eventco", "Welche Sprecher gibt es?", "list_speakers", {}),
        ("fr", "eventco", "Quels sont les intervenants ?", "list_speakers", {}),
        ("es", "eventco", "¿Quiénes son los ponentes?", "list_speakers", {}),
        ("pt", "eventco", "Quem são os palestrantes?", "list_speakers", {}),
        ("de", "eventco", "Vorträge am zweiten Tag", "list_sessions", {"day": 2}),
        ("fr", "eventco", "Les sessions du deuxième jour", "list_sessions", {"day": 2}),
        ("es", "eventco", "Sesiones del segundo día", "list_sessions", {"day": 2}),
        ("pt", "eventco", "Palestras do segundo dia", "list_sessions", {"day": 2}),
    ],
)
def test_a_question_in_the_agents_language_picks_the_same_tool_and_arguments(
    language: str, tenant: str, question: str, tool: str, arguments: dict[str, Any]
) -> None:
    decided = plan_response("", [user(question)], tools(tenant), "auto", language=language)
    assert decided.kind == "function_call" and decided.call is not None, decided
    assert decided.call.name == tool
    assert json.loads(decided.call.arguments) == arguments


@pytest.mark.parametrize(
    ("language", "order", "ask"),
    [
        ("de", "Ich möchte die Merino Running Socks bestellen", "Dafür brauche ich noch „Option“ (S oder M)"),
        ("fr", "Je voudrais commander les Merino Running Socks", "Pour cela, il me faut encore « option » (S ou M)"),
        ("es", "Quiero pedir los Merino Running Socks", "Para ello todavía necesito «opción» (S o M)"),
        ("pt", "Quero encomendar as Merino Running Socks", "Para isso ainda preciso de «opção» (S ou M)"),
    ],
)
def test_an_order_said_in_the_agents_language_starts_the_order(language: str, order: str, ask: str) -> None:
    found = {"count": 1, "items": [{"id": "p-041", "name": "Merino Running Socks", "options": ["S", "M"]}]}
    context = [
        user("socks"),
        Item(data={"id": "o", "type": "function_call_output", "call_id": "c", "output": json.dumps(found)}),
        user(order),
    ]
    asked = plan_response("", context, tools("productco"), "auto", language=language)
    assert asked.kind == "message" and asked.text.startswith(ask), asked


def test_an_order_is_completed_through_the_missing_details_a_read_back_and_a_yes() -> None:
    found = {
        "count": 1,
        "items": [{"id": "p-041", "name": "Merino Running Socks", "price": 19.9, "options": ["S", "M"]}],
    }
    context = [
        user("cheapest socks"),
        Item(data={"id": "o", "type": "function_call_output", "call_id": "c", "output": json.dumps(found)}),
        user("I would like to order the Merino Running Socks"),  # what the card's "Order this" says
    ]
    asked = plan("productco", *context)
    assert asked.kind == "message"
    assert asked.text == "To place the order, I still need the option (S or M), your name and your email address."
    context += [assistant(asked.text), user("M please, my name is Ann Example, ann@example.com")]
    read_back = plan("productco", *context)
    assert read_back.kind == "message" and read_back.text.endswith("Shall I place the order now?")
    assert "Merino Running Socks" in read_back.text and "ann@example.com" in read_back.text
    assert "confirmed" not in read_back.text
    # The visitor says yes before the read-back has finished playing: only its heard share is in the context.
    context += [assistant(read_back.text[:12]), user("Yes")]
    placed = plan("productco", *context)
    assert placed.call is not None and placed.call.name == "place_order"
    assert json.loads(placed.call.arguments) == {
        "product_id": "p-041",
        "option": "M",
        "quantity": 1,
        "customer_name": "Ann Example",
        "customer_email": "ann@example.com",
        "confirmed": True,
    }


@pytest.mark.parametrize(
    ("language", "ask", "answer", "name", "question", "yes"),
    [
        (
            "de",
            "Dafür brauche ich noch „Option“ (S oder M), Ihren Namen und Ihre E-Mail-Adresse.",
            "M bitte, ich heiße Anna Schmidt, anna@example.com",
            "Anna Schmidt",
            "Soll ich das jetzt erledigen?",
            "Ja",
        ),
        (
            "fr",
            "Pour cela, il me faut encore « option » (S ou M), votre nom et votre adresse e-mail.",
            "M, je m'appelle Anne Martin, anne@example.com",
            "Anne Martin",
            "Dois-je le faire maintenant ?",
            "Oui",
        ),
        (
            "es",
            "Para ello todavía necesito «opción» (S o M), su nombre y su correo electrónico.",
            "M, me llamo Ana García, ana@example.com",
            "Ana García",
            "¿Lo hago ahora?",
            "Sí",
        ),
        (
            "pt",
            "Para isso ainda preciso de «opção» (S ou M), o seu nome e o seu e-mail.",
            "M, chamo-me Ana Silva, ana@example.com",
            "Ana Silva",
            "Faço isso agora?",
            "Sim",
        ),
    ],
)
def test_an_agent_in_another_language_asks_reads_back_and_takes_its_yes(
    language: str, ask: str, answer: str, name: str, question: str, yes: str
) -> None:
    found = {
        "count": 1,
        "items": [{"id": "p-041", "name": "Merino Running Socks", "price": 19.9, "options": ["S", "M"]}],
    }
    context = [
        user("cheapest socks"),
        Item(data={"id": "o", "type": "function_call_output", "call_id": "c", "output": json.dumps(found)}),
        user("I would like to order the Merino Running Socks"),  # what the card's "Order this" says
    ]
    tools_ = tools("productco")
    asked = plan_response("", context, tools_, "auto", language=language)
    assert asked.text == ask
    context += [assistant(asked.text), user(answer)]
    read_back = plan_response("", context, tools_, "auto", language=language)
    assert read_back.text.endswith(question) and "Merino Running Socks" in read_back.text and name in read_back.text
    context += [assistant(read_back.text), user(yes)]
    placed = plan_response("", context, tools_, "auto", language=language)
    assert placed.call is not None and placed.call.name == "place_order"
    arguments = json.loads(placed.call.arguments)
    assert arguments["customer_name"] == name and arguments["confirmed"] is True


def test_a_turn_after_an_order_was_placed_does_not_place_it_again() -> None:
    placed = [
        user("I would like to order the Sun Cap"),
        Item(data={"id": "f", "type": "function_call", "call_id": "c", "name": "place_order", "arguments": "{}"}),
        Item(data={"id": "o", "type": "function_call_output", "call_id": "c", "output": "{}"}),
        assistant("Done."),
        user("thanks, and a cap in blue?"),
    ]
    assert plan("productco", *placed).kind == "message"  # no call to place_order again


def test_results_are_said_in_a_sentence() -> None:
    products = sorted(demo_data.products(""), key=lambda p: p["price"])
    listing = {"count": 8, "items": [{k: p[k] for k in ("name", "price", "currency")} for p in products[:8]]}
    cheapest = summarise(json.dumps(listing), tool_name="search_products", user_text="what is your cheapest product")
    assert cheapest.startswith(f"The cheapest is {products[0]['name']} at {products[0]['price']:.2f} EUR.")
    plain = summarise(json.dumps(listing), tool_name="search_products", user_text="socks")
    assert plain.startswith("I found 8 products: ") and plain.endswith("The cards show all of them.")
    none = summarise(json.dumps({"count": 0, "items": []}), tool_name="search_products")
    assert none.startswith("I couldn't find any products")
    stats = {"total_products": 35, "total_options": 99, "lowest_price": 19.9, "highest_price": 489.0, "currency": "EUR"}
    said = summarise(
        json.dumps({**stats, "by_category": [{"category": "tents", "products": 6}]}), tool_name="catalog_stats"
    )
    assert said == "There are 35 products, 99 options and prices from 19.90 EUR to 489.00 EUR."
    order = {"order_id": "ord_1", "status": "received", "total": 19.9, "currency": "EUR", "quantity": 1}
    assert summarise(json.dumps(order), tool_name="place_order") == (
        "Done: your order ord_1 is received. The total is 19.90 EUR."
    )
    speakers = {"count": 2, "items": [{"name": "Lena Vogt", "company": "Brightgate"}, {"name": "Ines Carvalho"}]}
    assert summarise(json.dumps(speakers), tool_name="list_speakers") == (
        "I found 2 speakers: Lena Vogt (Brightgate) and Ines Carvalho."
    )
    event = {"name": "VoiceFirst Summit 2027", "dates": "18–19 March 2027", "venue": "Harbour Hall", "city": "Lisbon"}
    assert summarise(json.dumps(event), tool_name="get_event_info") == (
        "VoiceFirst Summit 2027 is on 18–19 March 2027 at Harbour Hall in Lisbon."
    )


def test_a_tool_error_reads_as_a_polite_line_without_the_model_facing_details() -> None:
    error = {"error": "Invalid arguments: 'option' is required. Fix them and call the tool again."}
    said = summarise(json.dumps(error), tool_name="place_order")
    assert "Fix them" not in said and "option" not in said and said.startswith("Sorry")


def test_a_spoken_turn_it_cannot_understand_is_answered_honestly_once() -> None:
    first = plan("productco", spoken())
    assert first.text == SPEECH_HONEST
    again = plan("productco", spoken(), assistant(first.text), spoken())
    assert again.text == SPEECH_AGAIN


@pytest.mark.parametrize("tenant", ["productco", "eventco"])
def test_every_phrase_the_demo_page_suggests_calls_a_tool(tenant: str) -> None:
    page = (Path(__file__).resolve().parents[1] / "demo" / "templates" / "demo" / f"{tenant}.html").read_text()
    suggestions = page.split('id="try-asking"', 1)[1].split("</ul>", 1)[0]
    phrases = [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", suggestions) if "(" not in p]
    assert len(phrases) >= 3, phrases
    for phrase in phrases:
        decided = plan(tenant, user(phrase))
        assert decided.kind == "function_call", (phrase, decided)
