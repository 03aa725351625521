"""The simulator's glossary: the visitor's German, French, Spanish or Portuguese words for the demo's questions
become the English words tool choice knows, without accents mattering; other words stay as said, and English
turns are matched as before."""

from __future__ import annotations

import json

import pytest

from agents.simulator.glossary import english
from agents.simulator.text import words
from agents.simulator.tool_choice import choose_tool, decide

SEARCH = {
    "type": "function",
    "name": "search_products",
    "description": "Search the catalog by words and maximum price, sorted by relevance or price.",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "max_price": {"type": "number", "minimum": 0},
            "sort": {"type": "string", "enum": ["relevance", "cheapest", "priciest"]},
        },
    },
}
SPEAKERS = {
    "type": "function",
    "name": "list_speakers",
    "description": "The conference speakers; optionally only those on a topic.",
    "parameters": {"type": "object", "properties": {"topic": {"type": "string"}}},
}
SESSIONS = {
    "type": "function",
    "name": "list_sessions",
    "description": "The schedule: sessions with time and room; optionally one day.",
    "parameters": {"type": "object", "properties": {"day": {"type": "integer", "enum": [1, 2]}}},
}
TOOLS = [SEARCH, SPEAKERS, SESSIONS]


@pytest.mark.parametrize(
    ("language", "said", "meant"),
    [
        ("de", "die günstigsten Socken", ["cheapest", "socks"]),
        ("de", "die gunstigsten socken", ["cheapest", "socks"]),  # typed without the umlaut
        ("fr", "les moins chères", ["cheapest"]),  # the phrase wins over "moins" and "de"
        ("fr", "moins de 100", ["under", "100"]),
        ("fr", "l'intervenant", ["speakers"]),
        ("es", "menos de 100", ["under", "100"]),
        ("pt", "fones de ouvido abaixo de 80", ["headphones", "under", "80"]),
        ("de", "zweiter Tag", ["second", "day"]),
        ("es", "segundo día", ["second", "day"]),
        ("pt", "encomendar", ["order"]),
    ],
)
def test_glossary_phrases_become_the_english_concept(language: str, said: str, meant: list[str]) -> None:
    assert english(words(said), language) == meant


def test_words_not_in_the_glossary_stay_as_said_and_english_is_untouched() -> None:
    assert english(words("Wanderschuhe Lisboa"), "de") == ["wanderschuhe", "lisboa"]
    assert english(words("die cheapest socks under 100"), "en") == ["die", "cheapest", "socks", "under", "100"]


@pytest.mark.parametrize(
    ("language", "said", "tool", "arguments"),
    [
        ("de", "Zelte bis 300 Euro", "search_products", {"query": "tents", "max_price": 300}),
        ("fr", "les casques les plus chers", "search_products", {"query": "headphones", "sort": "priciest"}),
        ("es", "ponentes sobre seguridad", "list_speakers", {"topic": "seguridad"}),
        ("pt", "sessões do dia dois", "list_sessions", {"day": 2}),
    ],
)
def test_the_agents_language_picks_and_fills_the_tool(
    language: str, said: str, tool: str, arguments: dict[str, object]
) -> None:
    call = decide(said, TOOLS, "auto", language=language).call
    assert call is not None and call.name == tool
    assert json.loads(call.arguments) == arguments


def test_another_languages_words_are_not_translated_for_an_english_agent() -> None:
    # "unter" is German only when the agent speaks German: to an English agent it is no price cap.
    assert choose_tool("Socken unter 100", TOOLS, "auto") is None
    call = decide("Socken unter 100", TOOLS, "auto", language="de").call
    assert call is not None and json.loads(call.arguments) == {"query": "socks", "max_price": 100}
