"""The simulator's word handling: words of a text (splitting snake_case, kebab-case and camelCase), stopwords,
a tiny stemmer for overlap scoring, the scripted fault markers, and whether a turn says yes."""

from __future__ import annotations

import re

MARKERS = ("drop", "fail", "incomplete", "expire", "preamble", "twice", "mishear")
MARKER_RE = re.compile(r"#sim:(" + "|".join(MARKERS) + r")\b", re.IGNORECASE)

# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for", "from",
    "get", "give", "have", "how", "i", "i'd", "i'm", "in", "is", "it", "its", "me", "my", "of", "on",
    "or", "please", "some", "tell", "that", "the", "their", "them", "then", "there", "these", "this",
    "to", "up", "us", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with",
    "would", "you", "your", "yours", "about", "any", "find", "show", "want", "need", "like", "let",
    "know", "much", "many", "just", "also", "so", "very", "hello", "hi", "hey", "thanks", "thank", "ok",
    "okay", "should", "shall", "one", "ones", "all", "here"
))
# fmt: on
# Tool names are often verb_noun; "get" carries no meaning for matching, so it is a stopword too.


def words(text: str) -> list[str]:
    """Lower-case words of a text, splitting snake_case, kebab-case and camelCase."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return re.findall(r"[\w']+", text.lower().replace("_", " ").replace("-", " "))  # letters of any language


def stem(word: str) -> str:
    """Very small suffix stripper: products -> product, matches -> match, booking -> book."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Words of `text` without stopwords, in order."""
    return [w for w in words(text) if w not in STOPWORDS and not w.startswith("#")]


def stems(text: str) -> set[str]:
    """Stemmed content words, for overlap scoring."""
    return {stem(w) for w in content_words(text)}


def find_markers(text: str) -> set[str]:
    """Scripted fault markers (`#sim:drop` …) present in a text."""
    return {m.lower() for m in MARKER_RE.findall(text)}


def strip_markers(text: str) -> str:
    """Remove `#sim:` markers and tidy whitespace."""
    return " ".join(MARKER_RE.sub(" ", text).split())


YES_WORDS = frozenset(
    {"yes", "yeah", "yep", "sure", "ok", "okay", "correct", "go"}
    | {"ja", "genau", "gerne", "oui", "d'accord", "sí", "si", "claro", "vale", "sim"}
)


def said_yes(text: str) -> bool:
    """Yes, in English, German, French, Spanish or Portuguese ("confirm", "bestätigen", "confirmer", "confirmo")."""
    said = set(words(text))
    return bool(said & YES_WORDS) or any(w.startswith(("confirm", "bestätig")) for w in said)
