"""Everything the simulator says to a visitor, in the languages it knows (English, German, French, Spanish,
Portuguese); any other language gets English. `say(language, key, **values)` fills one phrase."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de", "fr", "es", "pt")

# fmt: off
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "ask": "To {action}, I still need {details}.",
        "readback": "So that is: {details}.",
        "confirm_question": "Shall I {action} now?",
        "your_name": "your name",
        "your_email": "your email address",
        "your_field": "your {label}",
        "the_field": "the {label}",
        "or": " or ",
        "voice_message": "(voice message, {seconds} s)",
        "greeting": "Hello! How can I help you today?",
        "speech_honest": "Sorry, I'm the offline demo and can't understand speech, only typed messages. "
                         "Please type your question in the box below.",
        "speech_again": "I still can't understand speech here; please type your question.",
        "demo_limits": "I'm the offline demo, so I can only answer what the site's tools can look up ({names}), "
                       "so I can't answer “{said}”. Try asking about one of those.",
        "no_tools": "I'm the offline demo without an AI service, so I can't really answer “{said}”.",
        "preamble": "Let me look that up for you.",
        "second": "Is there anything else I can help you with?",
        "and": " and ",
        "none_found": "I couldn't find any {noun} matching that. Try other words, or ask me what there is.",
        "cheapest": "The cheapest is {item}.",
        "next": " Next come {items}.",
        "found_many": "I found {total} {noun}: {items}.",
        "found_one": "I found 1 {noun}: {items}.",
        "cards_all": " The cards show all of them.",
        "at_price": "{label} at {price}",
        "at_time": "{label} at {time}",
        "in_room": " in {room}",
        "done": "Done: your {noun} {ref} is {status}.",
        "total_is": " The total is {money}.",
        "there_are": "There are {figures}.",
        "prices": "prices from {low} to {high}",
        "found_values": "Here is what I found: {details}.",
        "here_is": "Here is {label}.",
        "event": "{label} is {placed}.",
        "tool_error": "Sorry, I couldn't get that just now. Please try again in a moment, or ask me something else.",
        "confirm_first": "Before I do that, please confirm: shall I go ahead?",
        "found_nothing": "I found nothing.",
        "done_plain": "Done.",
    },
    "de": {
        "ask": "Dafür brauche ich noch {details}.",
        "readback": "Also: {details}.",
        "confirm_question": "Soll ich das jetzt erledigen?",
        "your_name": "Ihren Namen",
        "your_email": "Ihre E-Mail-Adresse",
        "your_field": "„{label}“",
        "the_field": "„{label}“",
        "or": " oder ",
        "voice_message": "(Sprachnachricht, {seconds} s)",
        "greeting": "Hallo! Wie kann ich Ihnen heute helfen?",
        "speech_honest": "Entschuldigung, ich bin die Offline-Demo und verstehe keine gesprochene Sprache, nur "
                         "getippte Nachrichten. Bitte tippen Sie Ihre Frage unten in das Feld.",
        "speech_again": "Gesprochenes verstehe ich hier leider weiterhin nicht; bitte tippen Sie Ihre Frage.",
        "demo_limits": "Ich bin die Offline-Demo und kann nur beantworten, was die Werkzeuge der Website "
                       "nachschlagen können ({names}), deshalb kann ich „{said}“ nicht beantworten. Fragen Sie "
                       "am besten danach.",
        "no_tools": "Ich bin die Offline-Demo ohne KI-Dienst und kann „{said}“ daher nicht wirklich beantworten.",
        "preamble": "Einen Moment, ich sehe nach.",
        "second": "Kann ich Ihnen sonst noch helfen?",
        "and": " und ",
        "none_found": "Dazu habe ich nichts gefunden. Versuchen Sie es mit anderen Worten, oder fragen Sie, "
                      "was es gibt.",
        "cheapest": "Am günstigsten ist {item}.",
        "next": " Danach kommen {items}.",
        "found_many": "Ich habe {total} Treffer gefunden: {items}.",
        "found_one": "Ich habe einen Treffer gefunden: {items}.",
        "cards_all": " Die Karten zeigen alle.",
        "at_price": "{label} für {price}",
        "at_time": "{label} um {time}",
        "in_room": " in {room}",
        "done": "Erledigt: {ref}, Status: {status}.",
        "total_is": " Der Gesamtbetrag ist {money}.",
        "there_are": "Es gibt {figures}.",
        "prices": "Preise von {low} bis {high}",
        "found_values": "Das habe ich gefunden: {details}.",
        "here_is": "Hier ist {label}.",
        "event": "{label} ist {placed}.",
        "tool_error": "Das konnte ich gerade leider nicht abrufen. Bitte versuchen Sie es gleich noch einmal, "
                      "oder fragen Sie etwas anderes.",
        "confirm_first": "Bevor ich das tue, bestätigen Sie bitte: Soll ich fortfahren?",
        "found_nothing": "Ich habe nichts gefunden.",
        "done_plain": "Erledigt.",
    },
    "fr": {
        "ask": "Pour cela, il me faut encore {details}.",
        "readback": "Donc : {details}.",
        "confirm_question": "Dois-je le faire maintenant ?",
        "your_name": "votre nom",
        "your_email": "votre adresse e-mail",
        "your_field": "« {label} »",
        "the_field": "« {label} »",
        "or": " ou ",
        "voice_message": "(message vocal, {seconds} s)",
        "greeting": "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
        "speech_honest": "Désolé, je suis la démo hors ligne et je ne comprends pas la parole, seulement les "
                         "messages écrits. Veuillez taper votre question dans le champ ci-dessous.",
        "speech_again": "Je ne comprends toujours pas la parole ici ; veuillez taper votre question.",
        "demo_limits": "Je suis la démo hors ligne : je ne peux répondre qu'avec ce que les outils du site savent "
                       "chercher ({names}), donc je ne peux pas répondre à « {said} ». Essayez de demander cela.",
        "no_tools": "Je suis la démo hors ligne, sans service d'IA, je ne peux donc pas vraiment répondre "
                    "à « {said} ».",
        "preamble": "Je regarde cela pour vous.",
        "second": "Puis-je vous aider pour autre chose ?",
        "and": " et ",
        "none_found": "Je n'ai rien trouvé qui corresponde. Essayez d'autres mots, ou demandez-moi ce qu'il y a.",
        "cheapest": "Le moins cher est {item}.",
        "next": " Ensuite viennent {items}.",
        "found_many": "J'ai trouvé {total} résultats : {items}.",
        "found_one": "J'ai trouvé un résultat : {items}.",
        "cards_all": " Les cartes les montrent tous.",
        "at_price": "{label} à {price}",
        "at_time": "{label} à {time}",
        "in_room": ", {room}",
        "done": "C'est fait : {ref}, statut : {status}.",
        "total_is": " Le total est de {money}.",
        "there_are": "Il y a {figures}.",
        "prices": "des prix de {low} à {high}",
        "found_values": "Voici ce que j'ai trouvé : {details}.",
        "here_is": "Voici {label}.",
        "event": "{label} a lieu {placed}.",
        "tool_error": "Désolé, je n'ai pas pu obtenir cela pour le moment. Réessayez dans un instant, ou "
                      "demandez-moi autre chose.",
        "confirm_first": "Avant de le faire, confirmez s'il vous plaît : dois-je continuer ?",
        "found_nothing": "Je n'ai rien trouvé.",
        "done_plain": "C'est fait.",
    },
    "es": {
        "ask": "Para ello todavía necesito {details}.",
        "readback": "Entonces: {details}.",
        "confirm_question": "¿Lo hago ahora?",
        "your_name": "su nombre",
        "your_email": "su correo electrónico",
        "your_field": "«{label}»",
        "the_field": "«{label}»",
        "or": " o ",
        "voice_message": "(mensaje de voz, {seconds} s)",
        "greeting": "¡Hola! ¿En qué puedo ayudarle hoy?",
        "speech_honest": "Lo siento, soy la demo sin conexión y no entiendo la voz, solo mensajes escritos. "
                         "Escriba su pregunta en el cuadro de abajo.",
        "speech_again": "Sigo sin entender la voz aquí; escriba su pregunta, por favor.",
        "demo_limits": "Soy la demo sin conexión y solo puedo responder lo que las herramientas del sitio pueden "
                       "consultar ({names}), así que no puedo responder «{said}». Pruebe a preguntar por eso.",
        "no_tools": "Soy la demo sin conexión, sin servicio de IA, así que no puedo responder de verdad a «{said}».",
        "preamble": "Déjeme consultarlo.",
        "second": "¿Puedo ayudarle en algo más?",
        "and": " y ",
        "none_found": "No he encontrado nada que coincida. Pruebe con otras palabras o pregúnteme qué hay.",
        "cheapest": "El más barato es {item}.",
        "next": " Le siguen {items}.",
        "found_many": "He encontrado {total} resultados: {items}.",
        "found_one": "He encontrado un resultado: {items}.",
        "cards_all": " Las tarjetas los muestran todos.",
        "at_price": "{label} por {price}",
        "at_time": "{label} a las {time}",
        "in_room": " en {room}",
        "done": "Hecho: {ref}, estado: {status}.",
        "total_is": " El total es {money}.",
        "there_are": "Hay {figures}.",
        "prices": "precios de {low} a {high}",
        "found_values": "Esto es lo que he encontrado: {details}.",
        "here_is": "Aquí está {label}.",
        "event": "{label} es {placed}.",
        "tool_error": "Lo siento, no he podido obtenerlo ahora. Inténtelo de nuevo en un momento o pregúnteme "
                      "otra cosa.",
        "confirm_first": "Antes de hacerlo, confirme por favor: ¿continúo?",
        "found_nothing": "No he encontrado nada.",
        "done_plain": "Hecho.",
    },
    "pt": {
        "ask": "Para isso ainda preciso de {details}.",
        "readback": "Então: {details}.",
        "confirm_question": "Faço isso agora?",
        "your_name": "o seu nome",
        "your_email": "o seu e-mail",
        "your_field": "«{label}»",
        "the_field": "«{label}»",
        "or": " ou ",
        "voice_message": "(mensagem de voz, {seconds} s)",
        "greeting": "Olá! Como posso ajudar hoje?",
        "speech_honest": "Desculpe, sou a demonstração offline e não entendo voz, só mensagens escritas. "
                         "Escreva a sua pergunta na caixa abaixo.",
        "speech_again": "Continuo sem entender voz aqui; escreva a sua pergunta, por favor.",
        "demo_limits": "Sou a demonstração offline e só posso responder ao que as ferramentas do site conseguem "
                       "consultar ({names}), por isso não consigo responder a «{said}». Experimente perguntar "
                       "sobre isso.",
        "no_tools": "Sou a demonstração offline, sem serviço de IA, por isso não consigo responder de verdade "
                    "a «{said}».",
        "preamble": "Deixe-me verificar isso.",
        "second": "Posso ajudar em mais alguma coisa?",
        "and": " e ",
        "none_found": "Não encontrei nada correspondente. Experimente outras palavras ou pergunte-me o que existe.",
        "cheapest": "O mais barato é {item}.",
        "next": " Seguem-se {items}.",
        "found_many": "Encontrei {total} resultados: {items}.",
        "found_one": "Encontrei um resultado: {items}.",
        "cards_all": " Os cartões mostram todos.",
        "at_price": "{label} por {price}",
        "at_time": "{label} às {time}",
        "in_room": " em {room}",
        "done": "Feito: {ref}, estado: {status}.",
        "total_is": " O total é {money}.",
        "there_are": "Há {figures}.",
        "prices": "preços de {low} a {high}",
        "found_values": "Eis o que encontrei: {details}.",
        "here_is": "Aqui está {label}.",
        "event": "{label} é {placed}.",
        "tool_error": "Desculpe, não consegui obter isso agora. Tente novamente daqui a pouco ou pergunte-me "
                      "outra coisa.",
        "confirm_first": "Antes de o fazer, confirme por favor: devo continuar?",
        "found_nothing": "Não encontrei nada.",
        "done_plain": "Feito.",
    },
}

# "VoiceFirst Summit 2027 is on 18 and 19 March 2027 at Harbour Hall in Lisbon": the word before each field.
PLACE_WORDS: dict[str, dict[str, str]] = {
    "en": {"dates": "on", "date": "on", "venue": "at", "location": "at", "city": "in"},
    "de": {"dates": "am", "date": "am", "venue": "in", "location": "in", "city": "in"},
    "fr": {"dates": "le", "date": "le", "venue": "à", "location": "à", "city": "à"},
    "es": {"dates": "el", "date": "el", "venue": "en", "location": "en", "city": "en"},
    "pt": {"dates": "a", "date": "a", "venue": "em", "location": "em", "city": "em"},
}

# Words a result's field names and statuses often carry, for the sentences that name them.
GLOSSARY: dict[str, dict[str, str]] = {
    "de": {
        "product": "Produkt", "option": "Option", "quantity": "Menge", "name": "Name", "email": "E-Mail",
        "size": "Größe", "products": "Produkte", "options": "Optionen", "categories": "Kategorien",
        "sessions": "Vorträge", "speakers": "Sprecher", "orders": "Bestellungen", "items": "Artikel",
        "received": "eingegangen", "confirmed": "bestätigt", "pending": "offen", "cancelled": "storniert",
        "shipped": "versandt",
    },
    "fr": {
        "product": "produit", "option": "option", "quantity": "quantité", "name": "nom", "email": "e-mail",
        "size": "taille", "products": "produits", "options": "options", "categories": "catégories",
        "sessions": "sessions", "speakers": "intervenants", "orders": "commandes", "items": "articles",
        "received": "reçue", "confirmed": "confirmée", "pending": "en attente", "cancelled": "annulée",
        "shipped": "expédiée",
    },
    "es": {
        "product": "producto", "option": "opción", "quantity": "cantidad", "name": "nombre", "email": "correo",
        "size": "talla", "products": "productos", "options": "opciones", "categories": "categorías",
        "sessions": "sesiones", "speakers": "ponentes", "orders": "pedidos", "items": "artículos",
        "received": "recibido", "confirmed": "confirmado", "pending": "pendiente", "cancelled": "cancelado",
        "shipped": "enviado",
    },
    "pt": {
        "product": "produto", "option": "opção", "quantity": "quantidade", "name": "nome", "email": "e-mail",
        "size": "tamanho", "products": "produtos", "options": "opções", "categories": "categorias",
        "sessions": "sessões", "speakers": "oradores", "orders": "encomendas", "items": "artigos",
        "received": "recebida", "confirmed": "confirmada", "pending": "pendente", "cancelled": "cancelada",
        "shipped": "enviada",
    },
}
# fmt: on


def known(language: str) -> str:
    """The language itself if the simulator speaks it, else English."""
    return language if language in PHRASES else "en"


def say(language: str, key: str, **values: Any) -> str:
    """One phrase in `language` (English when the simulator does not know it), with its values filled in."""
    return PHRASES[known(language)][key].format(**values)


def everywhere(key: str) -> tuple[str, ...]:
    """A phrase in every language, to recognise it in a conversation whatever language it was said in."""
    return tuple(PHRASES[language][key] for language in LANGUAGES)


def term(language: str, word: str) -> str:
    """A field name or status word in `language` where the glossary has it, else as it is."""
    return GLOSSARY.get(known(language), {}).get(word, word)


def money(value: float, currency: str, language: str = "en") -> str:
    """79.0 EUR → "79.00 EUR" in English, "79,00 EUR" in the languages that write a decimal comma."""
    shown = f"{value:.2f}" if value != int(value) or currency else f"{value:g}"
    if known(language) != "en":
        shown = shown.replace(".", ",")
    return f"{shown} {currency}".strip()
