"""A small glossary from the visitor's German, French, Spanish or Portuguese to the English words tool choice
already understands: the demo's main questions (cheapest, under a price, how many, speakers, sessions on a day,
order) and a handful of the demo catalogue's product nouns. It is no translator: a word not listed stays as it
was said, and function words ("die", "les", "los", "os") are dropped so they are no search words.

Looked up without accents and case ("günstigste", "gunstigste"), longest phrase first ("moins cher" before
"moins", "fones de ouvido" before "de")."""

from __future__ import annotations

import unicodedata

# English concept → what the visitor says for it, per language. Several English words are one concept in turn.
# fmt: off
CONCEPTS: dict[str, dict[str, tuple[str, ...]]] = {
    "cheapest": {
        "de": ("günstigste", "günstigsten", "günstigster", "günstigstes", "am günstigsten", "billigste",
               "billigsten", "billigster", "billigstes", "am billigsten"),
        "fr": ("moins cher", "moins chers", "moins chère", "moins chères", "le moins cher", "la moins chère",
               "les moins chers", "les moins chères"),
        "es": ("más barato", "más barata", "más baratos", "más baratas"),
        "pt": ("mais barato", "mais barata", "mais baratos", "mais baratas"),
    },
    "cheap": {
        "de": ("günstig", "günstige", "günstigen", "billig", "billige", "billigen"),
        "fr": ("pas cher", "pas chère", "pas chers", "bon marché"),
        "es": ("barato", "barata", "baratos", "baratas", "económico", "económicos"),
        "pt": ("barato", "barata", "baratos", "baratas", "económico", "econômico"),
    },
    "priciest": {
        "de": ("teuerste", "teuersten", "teuerster", "teuerstes", "am teuersten"),
        "fr": ("plus cher", "plus chers", "plus chère", "plus chères", "le plus cher", "les plus chers"),
        "es": ("más caro", "más cara", "más caros", "más caras"),
        "pt": ("mais caro", "mais cara", "mais caros", "mais caras"),
    },
    "under": {
        "de": ("unter", "unterhalb von", "weniger als"),
        "fr": ("moins de", "en dessous de", "sous"),
        "es": ("menos de", "por debajo de", "bajo"),
        "pt": ("menos de", "abaixo de"),
    },
    "upto": {
        "de": ("bis", "bis zu", "höchstens", "maximal"),
        "fr": ("jusqu'à", "au maximum", "maximum"),
        "es": ("hasta", "máximo", "como máximo"),
        "pt": ("até", "no máximo", "máximo"),
    },
    "over": {
        "de": ("mehr als", "ab"),
        "fr": ("plus de", "au dessus de"),
        "es": ("más de",),
        "pt": ("mais de", "acima de"),
    },
    "price": {
        "de": ("preis", "preise"),
        "fr": ("prix",),
        "es": ("precio", "precios"),
        "pt": ("preço", "preços"),
    },
    "how many": {
        "de": ("wie viele", "wie viel", "wieviele"),
        "fr": ("combien", "combien de"),
        "es": ("cuántos", "cuántas", "cuanto", "cuánto"),
        "pt": ("quantos", "quantas", "quanto"),
    },
    "where": {"de": ("wo",), "fr": ("où",), "es": ("dónde",), "pt": ("onde",)},
    "when": {"de": ("wann",), "fr": ("quand",), "es": ("cuándo",), "pt": ("quando",)},
    "products": {
        "de": ("produkte", "produkt", "artikel"),
        "fr": ("produits", "produit", "articles"),
        "es": ("productos", "producto", "artículos"),
        "pt": ("produtos", "produto", "artigos"),
    },
    "catalog": {"de": ("katalog", "sortiment"), "fr": ("catalogue",), "es": ("catálogo",), "pt": ("catálogo",)},
    "stats": {
        "de": ("statistik", "statistiken", "kennzahlen"),
        "fr": ("statistiques", "chiffres"),
        "es": ("estadísticas", "cifras"),
        "pt": ("estatísticas", "números"),
    },
    "catalog stats": {"de": ("katalogstatistik", "katalogstatistiken"), "fr": (), "es": (), "pt": ()},
    "speakers": {
        "de": ("sprecher", "sprecherin", "sprecherinnen", "referenten", "referentin", "referentinnen", "redner",
               "rednerin", "rednerinnen", "vortragende", "vortragenden"),
        "fr": ("intervenants", "intervenant", "intervenantes", "conférenciers", "conférencier", "conférencières",
               "orateurs", "oratrices"),
        "es": ("ponentes", "ponente", "oradores", "conferenciantes", "conferencistas"),
        "pt": ("palestrantes", "palestrante", "oradores"),
    },
    "speaking": {"de": ("spricht", "sprechen"), "fr": ("parle", "parlent"), "es": ("habla", "hablan"),
                 "pt": ("fala", "falam")},
    "about": {"de": ("über", "zum thema"), "fr": ("sur",), "es": ("sobre",), "pt": ("sobre",)},
    "talks": {
        "de": ("vorträge", "vortrag", "vorträgen"),
        "fr": ("conférences", "exposés", "présentations"),
        "es": ("charlas", "conferencias", "presentaciones"),
        "pt": ("palestras", "apresentações"),
    },
    "sessions": {"de": (), "fr": (), "es": ("sesiones", "sesión"), "pt": ("sessões", "sessão")},
    "schedule": {
        "de": ("programm", "zeitplan", "ablauf", "agenda"),
        "fr": ("programme", "planning", "agenda"),
        "es": ("programa", "agenda", "horario"),
        "pt": ("programa", "programação", "agenda"),
    },
    "day": {"de": ("tag", "tage"), "fr": ("jour", "journée"), "es": ("día",), "pt": ("dia",)},
    "first": {
        "de": ("erste", "ersten", "erster", "erstes"),
        "fr": ("premier", "première"),
        "es": ("primer", "primero", "primera"),
        "pt": ("primeiro", "primeira"),
    },
    "second": {
        "de": ("zweite", "zweiten", "zweiter", "zweites"),
        "fr": ("deuxième", "second", "seconde"),
        "es": ("segundo", "segunda"),
        "pt": ("segundo", "segunda"),
    },
    "two": {"de": ("zwei",), "fr": ("deux",), "es": ("dos",), "pt": ("dois", "duas")},
    "order": {
        "de": ("bestellen", "bestelle", "bestellung", "bestellt"),
        "fr": ("commander", "commande", "commandé"),
        "es": ("pedir", "pido", "pedido", "encargar"),
        "pt": ("encomendar", "encomenda", "pedir", "peço", "pedido"),
    },
    "buy": {"de": ("kaufen",), "fr": ("acheter",), "es": ("comprar",), "pt": ("comprar",)},
    # The demo catalogue's words are English: the product nouns its questions use.
    "socks": {"de": ("socken",), "fr": ("chaussettes",), "es": ("calcetines",), "pt": ("meias",)},
    "headphones": {
        "de": ("kopfhörer",),
        "fr": ("casque", "casques", "écouteurs"),
        "es": ("auriculares", "cascos"),
        "pt": ("fones", "fones de ouvido", "auscultadores"),
    },
    "jackets": {"de": ("jacke", "jacken"), "fr": ("veste", "vestes"), "es": ("chaqueta", "chaquetas"),
                "pt": ("casaco", "casacos")},
    "tents": {"de": ("zelt", "zelte"), "fr": ("tente", "tentes"), "es": ("tienda de campaña", "tiendas de campaña"),
              "pt": ("tenda", "tendas")},
}
# Words that only hold the sentence together: dropped, so they are neither search words nor topics.
FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("was", "wer", "wie", "welche", "welcher", "welches", "sind", "ist", "gibt", "es", "der", "die", "das",
           "den", "dem", "des", "ein", "eine", "einen", "ich", "mir", "mich", "möchte", "möchten", "hätte",
           "hätten", "gern", "gerne", "bitte", "ihr", "habt", "haben", "hat", "sie", "euch", "am", "im", "an",
           "auf", "für", "von", "vom", "zum", "zur", "mit", "und", "oder", "alle", "mal", "zeig", "zeigen",
           "zeigt", "euro", "noch", "auch", "denn", "welchen", "euer", "eure", "euren", "eurer", "ihre", "ihren",
           "dein", "deine", "deinen", "unser", "unsere"),
    "fr": ("quel", "quels", "quelle", "quelles", "qui", "que", "qu", "est", "sont", "ce", "c", "il", "y", "a",
           "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "je", "j", "voudrais",
           "veux", "aimerais", "vous", "avez", "me", "moi", "montrez", "montre", "pour", "et", "ou", "en",
           "s", "n", "il", "plaît", "svp", "tous", "toutes", "euros", "votre", "vos", "ton", "ta", "tes", "notre",
           "nos"),
    "es": ("qué", "cuál", "cuáles", "quién", "quiénes", "es", "son", "el", "la", "los", "las", "un", "una",
           "unos", "unas", "del", "de", "al", "a", "en", "yo", "me", "quiero", "quisiera", "gustaría", "tienen",
           "tiene", "hay", "muéstrame", "muestra", "para", "por", "favor", "y", "o", "todos", "todas", "euros", "su",
           "sus", "tu", "tus", "vuestro", "vuestra", "nuestro", "nuestra"),
    "pt": ("que", "qual", "quais", "quem", "é", "são", "o", "a", "os", "as", "um", "uma", "do", "da", "dos",
           "das", "de", "no", "na", "nos", "nas", "em", "ao", "eu", "quero", "queria", "gostaria", "vocês",
           "você", "têm", "tem", "há", "mostre", "mostra", "para", "por", "favor", "e", "ou", "todos", "todas",
           "euros", "seu", "sua", "seus", "suas", "teu", "tua", "nosso", "nossa"),
}
# fmt: on


def plain(word: str) -> str:
    """A word without accents and case, as the glossary looks it up ("Kopfhörer" → "kopfhorer")."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _entries(language: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    entries: dict[tuple[str, ...], tuple[str, ...]] = {}
    for english, said in CONCEPTS.items():
        for phrase in said.get(language, ()):
            entries[tuple(plain(w) for w in phrase.replace("-", " ").split())] = tuple(english.split())
    for word in FUNCTION_WORDS.get(language, ()):
        entries.setdefault((plain(word),), ())
    return entries


ENTRIES = {language: _entries(language) for language in FUNCTION_WORDS}
LONGEST = {language: max(len(key) for key in entries) for language, entries in ENTRIES.items()}
ELISION = ("l'", "d'", "j'", "qu'", "n'", "s'", "c'")  # "l'intervenant" is "l'" + "intervenant"


def english(said: list[str], language: str) -> list[str]:
    """The visitor's words with every glossary phrase of `language` replaced by its English words."""
    entries = ENTRIES.get(language.split("-")[0].lower())
    if not entries:
        return said
    split: list[str] = []
    for word in said:
        prefix = next((p for p in ELISION if word.startswith(p) and len(word) > len(p)), None)
        split.extend([prefix[:-1], word[len(prefix) :]] if prefix else [word])
    keys = [plain(w) for w in split]
    out: list[str] = []
    index = 0
    longest = LONGEST[language.split("-")[0].lower()]
    while index < len(split):
        for size in range(min(longest, len(split) - index), 0, -1):
            found = entries.get(tuple(keys[index : index + size]))
            if found is not None:
                out.extend(found)
                index += size
                break
        else:
            out.append(split[index])
            index += 1
    return out
