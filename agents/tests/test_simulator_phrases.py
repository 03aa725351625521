"""The offline demo speaks the agent's language: tool results summed up in German, French, Spanish or Portuguese
sentences (prices with the decimal comma those languages write), and its fixed lines (the greeting, the honest
"I can't understand speech" once, what it can do) too; other languages get English."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agents.simulator.conversation import Item
from agents.simulator.phrases import LANGUAGES, PHRASES, say
from agents.simulator.replies import plan_response, transcript_placeholder
from agents.simulator.session_config import default_session, language_of
from agents.simulator.summaries import summarise

PRODUCTS = {
    "count": 8,
    "currency": "EUR",
    "items": [
        {"id": "p-1", "name": "Trail Runner Shoes", "price": 89.0},
        {"id": "p-2", "name": "Merino Running Socks", "price": 19.9},
        {"id": "p-3", "name": "Storm Shell Jacket", "price": 149.0},
    ],
}
STATS = {"total_products": 35, "total_options": 99, "lowest_price": 19.9, "highest_price": 489.0, "currency": "EUR"}
ORDER = {"order_id": "ord_123", "status": "received", "total": 79.0, "currency": "EUR"}
EVENT = {"name": "VoiceFirst Summit 2027", "dates": "18-19 March 2027", "venue": "Harbour Hall", "city": "Lisbon"}
TALKS = [{"id": "s-101", "title": "Opening keynote", "start": "09:30", "room": "Main Stage"}]


def summary(result: Any, tool: str, language: str, asked: str = "") -> str:
    return summarise(json.dumps(result), tool_name=tool, user_text=asked, language=language)


@pytest.mark.parametrize(
    ("language", "products", "stats", "order"),
    [
        (
            "de",
            "Ich habe 8 Treffer gefunden: Trail Runner Shoes für 89,00 EUR, Merino Running Socks für 19,90 EUR und "
            "Storm Shell Jacket für 149,00 EUR. Die Karten zeigen alle.",
            "Es gibt 35 Produkte, 99 Optionen und Preise von 19,90 EUR bis 489,00 EUR.",
            "Erledigt: ord_123, Status: eingegangen. Der Gesamtbetrag ist 79,00 EUR.",
        ),
        (
            "fr",
            "J'ai trouvé 8 résultats : Trail Runner Shoes à 89,00 EUR, Merino Running Socks à 19,90 EUR et "
            "Storm Shell Jacket à 149,00 EUR. Les cartes les montrent tous.",
            "Il y a 35 produits, 99 options et des prix de 19,90 EUR à 489,00 EUR.",
            "C'est fait : ord_123, statut : reçue. Le total est de 79,00 EUR.",
        ),
        (
            "es",
            "He encontrado 8 resultados: Trail Runner Shoes por 89,00 EUR, Merino Running Socks por 19,90 EUR y "
            "Storm Shell Jacket por 149,00 EUR. Las tarjetas los muestran todos.",
            "Hay 35 productos, 99 opciones y precios de 19,90 EUR a 489,00 EUR.",
            "Hecho: ord_123, estado: recibido. El total es 79,00 EUR.",
        ),
        (
            "pt",
            "Encontrei 8 resultados: Trail Runner Shoes por 89,00 EUR, Merino Running Socks por 19,90 EUR e "
            "Storm Shell Jacket por 149,00 EUR. Os cartões mostram todos.",
            "Há 35 produtos, 99 opções e preços de 19,90 EUR a 489,00 EUR.",
            "Feito: ord_123, estado: recebida. O total é 79,00 EUR.",
        ),
        (
            "en",
            "I found 8 products: Trail Runner Shoes at 89.00 EUR, Merino Running Socks at 19.90 EUR and "
            "Storm Shell Jacket at 149.00 EUR. The cards show all of them.",
            "There are 35 products, 99 options and prices from 19.90 EUR to 489.00 EUR.",
            "Done: your order ord_123 is received. The total is 79.00 EUR.",
        ),
    ],
)
def test_tool_results_are_summed_up_in_the_agents_language(
    language: str, products: str, stats: str, order: str
) -> None:
    assert summary(PRODUCTS, "search_products", language) == products
    assert summary(STATS, "catalog_stats", language) == stats
    assert summary(ORDER, "place_order", language) == order


@pytest.mark.parametrize(
    ("language", "asked", "answer"),
    [
        ("de", "Was sind die günstigsten Socken?", "Am günstigsten ist Merino Running Socks für 19,90 EUR."),
        ("fr", "Les chaussettes les moins chères ?", "Le moins cher est Merino Running Socks à 19,90 EUR."),
        ("es", "¿Los calcetines más baratos?", "El más barato es Merino Running Socks por 19,90 EUR."),
        ("pt", "As meias mais baratas?", "O mais barato é Merino Running Socks por 19,90 EUR."),
    ],
)
def test_a_question_for_the_cheapest_in_the_agents_language_is_answered_with_the_cheapest(
    language: str, asked: str, answer: str
) -> None:
    assert summary(PRODUCTS, "search_products", language, asked=asked).startswith(answer)


def test_the_other_shapes_in_german_and_an_unknown_language_in_english() -> None:
    assert summary(PRODUCTS, "search_products", "de", asked="your cheapest product").startswith(
        "Am günstigsten ist Merino Running Socks für 19,90 EUR. Danach kommen"
    )
    assert (
        summary(EVENT, "get_event_info", "de")
        == "VoiceFirst Summit 2027 ist am 18-19 March 2027 in Harbour Hall in Lisbon."
    )
    assert (
        summary(TALKS, "list_sessions", "es")
        == "He encontrado un resultado: Opening keynote a las 09:30 en Main Stage."
    )
    assert summary({"count": 0, "items": []}, "search_products", "fr").startswith("Je n'ai rien trouvé")
    assert summary({"error": {"type": "upstream_error", "message": "HTTP 502"}}, "search_products", "pt") == say(
        "pt", "tool_error"
    )
    assert summary(PRODUCTS, "search_products", "it") == summary(PRODUCTS, "search_products", "en")


def test_every_language_has_every_phrase_and_only_blanks_english_fills() -> None:
    """English names the thing a tool returns ("8 products"); the others say "results", from no English word."""
    english = PHRASES["en"]
    for language in LANGUAGES:
        assert set(PHRASES[language]) == set(english), language
        for key, text in PHRASES[language].items():
            blanks = {part.split("}")[0] for part in text.split("{")[1:]}
            assert blanks <= {part.split("}")[0] for part in english[key].split("{")[1:]}, (language, key)


def user(text: str) -> Item:
    return Item(data={"id": "u", "type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})


def spoken() -> Item:
    content = [{"type": "input_audio", "transcript": None}]
    return Item(data={"id": "s", "type": "message", "role": "user", "content": content}, audio_ms=2000)


def assistant(text: str) -> Item:
    content = [{"type": "output_audio", "transcript": text}]
    return Item(data={"id": "a", "type": "message", "role": "assistant", "content": content})


def test_fixed_lines_follow_the_language_and_speech_is_owned_up_to_once() -> None:
    assert plan_response("", [], [], "auto", language="fr").text == "Bonjour ! Comment puis-je vous aider aujourd'hui ?"
    first = plan_response("", [spoken()], [], "auto", language="de")
    assert first.text == say("de", "speech_honest") and "tippen" in first.text  # honest, and it says: type
    again = plan_response("", [spoken(), assistant(first.text), spoken()], [], "auto", language="de")
    assert again.text == say("de", "speech_again")
    unknown = plan_response("", [user("Cuéntame un chiste")], [], "auto", language="es")
    assert (
        unknown.text
        == "Soy la demo sin conexión, sin servicio de IA, así que no puedo responder de verdad a «Cuéntame un chiste»."
    )


def test_a_spoken_turn_is_transcribed_as_a_voice_message_in_the_language() -> None:
    assert transcript_placeholder(2900, "de") == "(Sprachnachricht, 2,9 s)"
    assert transcript_placeholder(1300, "pt") == "(mensagem de voz, 1,3 s)"
    assert transcript_placeholder(1300, "it") == transcript_placeholder(1300) == "(voice message, 1.3 s)"


def test_the_language_is_the_transcriptions_else_the_instructions_speak_line() -> None:
    session = default_session("gpt-realtime", 0)
    assert language_of(session) == "en"
    assert language_of(session, "You help.\n\n# Language\nSpeak pt unless the visitor clearly uses another.") == "pt"
    session["audio"]["input"]["transcription"] = {"model": "gpt-4o-mini-transcribe", "language": "fr"}
    assert language_of(session, "# Language\nSpeak pt unless …") == "fr"
