"""The widget's own strings: one table, translated into every supported language, compiled catalogues never stale,
the scripts and the page reading text only from the table, and English for any other language."""

from __future__ import annotations

import gettext
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils.translation import override

from agents import protocol
from tests.support.factories import make_agent, make_key, make_tenant
from widget.strings import LAUNCHER_KEYS, TRANSLATED_LANGUAGES, WIDGET_STRINGS, widget_catalogue, widget_language

BASE = Path(settings.BASE_DIR)
LOCALE = BASE / "locale"
STATIC = BASE / "static" / "widget"
PAGE = BASE / "templates" / "widget" / "page.html"
# The cards tools' results show: their fixed texts are marked in the templates and in the modules that prepare them.
CARD_TEMPLATES = sorted((BASE / "httptools" / "templates" / "httptools" / "visuals").glob("*.html"))
CARD_MODULES = [BASE / "httptools" / "visuals.py", BASE / "httptools" / "visuals_generic.py"]
# The visitor's widget: the staff console's own scripts (console-*.js) stay in English.
WIDGET_SCRIPTS = ["strings.js", "client.js", "conversation.js", "voice-activity.js", "widget-app.js", "loader.js"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
HOW_TO = (
    "Run `make messages`, fill in the empty msgstr of each locale/<lang>/LC_MESSAGES/django.po, then run "
    "`make messages` again and commit the .po and .mo files (docs/widget.md, Languages)."
)


def english() -> dict[str, str]:
    with override("en"):
        return {key: str(text) for key, text in WIDGET_STRINGS.items()}


def compiled(language: str) -> dict[str, str]:
    """The committed .mo catalogue of a language: msgid → msgstr (fuzzy and empty entries are not in it)."""
    path = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert path.exists(), f"{path} is missing. {HOW_TO}"
    with path.open("rb") as handle:
        return {k: v for k, v in gettext.GNUTranslations(handle)._catalog.items() if k}  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_widget_string_has_a_translation_in_each_language(language: str) -> None:
    catalogue = compiled(language)
    missing = {key: text for key, text in english().items() if not catalogue.get(text, "").strip()}

    assert not missing, f"widget strings with no {language!r} translation: {missing}. {HOW_TO}"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_translations_keep_the_placeholders_the_widget_fills(language: str) -> None:
    catalogue = compiled(language)
    wrong = {
        text: catalogue[text]
        for text in english().values()
        if text in catalogue and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(catalogue[text]))
    }

    assert not wrong, f"{language!r} translations that lose or add a {{placeholder}}: {wrong}"


TRANSLATE_TAG = re.compile(r"""\{%\s*translate\s+"([^"]+)"\s*%\}""")
BLOCK_TRANSLATE = re.compile(r"\{%\s*blocktranslate\b[^%]*%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)
GETTEXT_CALL = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)""")


def card_texts() -> dict[str, str]:
    """msgid → where it is, for every fixed text of a card: `{% translate %}`, `{% blocktranslate %}` (its
    `{{ name }}` as gettext's `%(name)s`) and `_("…")` in the modules that prepare the cards."""
    found: dict[str, str] = {}
    for path in CARD_TEMPLATES:
        source = path.read_text()
        found |= {text: path.name for text in TRANSLATE_TAG.findall(source)}
        for block in BLOCK_TRANSLATE.findall(source):
            found[re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", block)] = path.name
    for path in CARD_MODULES:
        found |= {text: path.name for text in GETTEXT_CALL.findall(path.read_text())}
    return found


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_card_text_has_a_translation_in_each_language(language: str) -> None:
    catalogue = compiled(language)
    texts = card_texts()
    missing = {text: where for text, where in texts.items() if not catalogue.get(text, "").strip()}

    assert len(texts) > 30, texts  # the scan finds the marked texts
    assert "Options: %(options)s" in texts and "In stock" in texts
    assert not missing, f"card texts with no {language!r} translation: {missing}. {HOW_TO}"


def test_the_cards_show_no_text_outside_translate_tags() -> None:
    left = {}
    for path in CARD_TEMPLATES:
        parser = _PageText()
        parser.feed(BLOCK_TRANSLATE.sub("", path.read_text()))
        if parser.left:
            left[path.name] = parser.left

    assert not left, f"card templates with text not marked for translation ({{% translate %}}): {left}"


def test_the_committed_catalogues_are_compiled_from_the_current_po_files(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.fail("msgfmt is missing: install the Debian package 'gettext' (make system-packages)", pytrace=False)
    for language in TRANSLATED_LANGUAGES:
        source = LOCALE / language / "LC_MESSAGES" / "django.po"
        fresh = tmp_path / f"{language}.mo"
        subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(source)], check=True, timeout=30)
        with fresh.open("rb") as handle:
            expected = {k: v for k, v in gettext.GNUTranslations(handle)._catalog.items() if k}  # type: ignore[attr-defined]

        assert compiled(language) == expected, f"{language}: django.mo is older than django.po. {HOW_TO}"


def test_the_widget_speaks_the_agents_language_and_english_for_any_other() -> None:
    assert widget_language("de") == "de"
    assert widget_language("PT") == "pt"
    assert widget_language("pt-BR") == "pt"
    for other in ("xx", "ja", "", None):
        assert widget_language(other) == "en"
        assert widget_catalogue(other) == english()
    german = widget_catalogue("de")
    assert german["end"] == "Beenden"
    assert german["message_placeholder"] == "Nachricht eingeben"
    assert widget_catalogue("fr")["send"] == "Envoyer"
    assert widget_catalogue("es")["start_again"] == "Empezar de nuevo"
    assert widget_catalogue("pt")["accept_talk"] == "Aceitar e falar"


def test_the_server_notices_are_in_the_table_by_code() -> None:
    table = english()
    assert {f"notice.{code}" for code in protocol.NOTICES} <= set(table)
    assert all(table[f"notice.{code}"] == text for code, text in protocol.NOTICES.items())
    # The escalation carries its contact beside the English line, to fill the widget's own.
    notice = json.loads(protocol.escalation("help@shop.example"))
    assert notice["contact"] == "help@shop.example"
    assert notice["message"] == table["notice.escalation"].replace("{contact}", "help@shop.example")
    assert "{contact}" in widget_catalogue("de")["notice.escalation"]


# --- the scripts and the page read text only from the table ---------------------------------------------------

T_CALL = re.compile(r"""\bt\(\s*"([^"]+)"(?!\s*\+)""")
TEMPLATE_KEY = re.compile(r"\{\{\s*strings\.(\w+)")


def script(name: str) -> str:
    return (STATIC / name).read_text()


def test_the_scripts_and_the_page_use_only_keys_the_table_has() -> None:
    used = {(name, key) for name in WIDGET_SCRIPTS for key in T_CALL.findall(script(name))}
    used |= {("page.html", key) for key in TEMPLATE_KEY.findall(PAGE.read_text())}
    unknown = sorted((name, key) for name, key in used if key not in WIDGET_STRINGS)

    assert len(used) > 40, used  # the scan finds the calls
    assert not unknown, f"t(key) / strings.key with no entry in widget/strings.py WIDGET_STRINGS: {unknown}"


def test_the_loaders_english_defaults_are_the_tables() -> None:
    """The loader shows English before (or without) a bootstrap: the same text as the table's."""
    block = re.search(r"var STRINGS = \{(.*?)\};", script("loader.js"), re.S)
    assert block, "loader.js has no STRINGS table"
    defaults = dict(re.findall(r'(\w+): "([^"]*)"', block.group(1)))

    assert set(defaults) == set(LAUNCHER_KEYS)
    assert defaults == {key: english()[key] for key in LAUNCHER_KEYS}


# Where a script puts text in front of the visitor; a string literal that reads as words there is untranslated.
VISIBLE_SINKS = [
    re.compile(r"\.(?:textContent|innerText|title|placeholder|alt)\s*=([^;]*)"),
    re.compile(r"""setAttribute\(\s*"(?:aria-label|title|placeholder|alt)"\s*,([^;]*)\)"""),
    re.compile(r"""element\("[^"]*",\s*"[^"]*",(.*)\)"""),  # conversation.js: element(tag, class, text)
    re.compile(r"""(?:\.notice|\bfail)\(([^;]*)\)"""),
    re.compile(r"""(?<=[{,\s])\w+:\s*("(?:[^"\\]|\\.)*")"""),  # an object's text: { message: "…" }, { live: "…" }
]
# Errors become visible text too, except the loader's, which only reach the site developer's console line.
ERROR_SINK = re.compile(r"""new Error\(([^;]*)\)""")
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def reads_as_words(text: str) -> bool:
    """ "Close", "Try again", "Loading…" do; codes, class names and methods ("info", "va-error-text", "POST",
    "sendText") do not."""
    if re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", text):  # a camelCase name: a command or method, not text
        return False
    words = re.search(r"[A-Za-z]{2,}", text) and re.search(r"[a-z]", text)
    return bool(words) and bool(re.search(r"[A-Z]|[a-z] [a-z]|[.!?…:]$", text))


def literal_text(source: str, *, errors: bool = True) -> list[str]:
    """Visible string literals left in a script (the loader's English fallbacks and console lines excepted)."""
    source = re.sub(r"var STRINGS = \{.*?\};", "", source, flags=re.S)
    lines = [line for line in source.splitlines() if "console." not in line and not line.strip().startswith("//")]
    code = "\n".join(lines)
    found = []
    for sink in [*VISIBLE_SINKS, *([ERROR_SINK] if errors else [])]:
        for match in sink.finditer(code):
            # The keys of t("key") and getAttribute("name") are no text.
            rest = re.sub(r'\b(?:t|getAttribute)\(\s*"[^"]*"', "(", match.group(1))
            found += [text for text in LITERAL.findall(rest) if reads_as_words(text)]
    return found


def test_no_visible_english_is_left_in_the_widget_scripts() -> None:
    left = {name: literal_text(script(name), errors=name != "loader.js") for name in WIDGET_SCRIPTS}

    assert not {name: texts for name, texts in left.items() if texts}, (
        f"text shown to the visitor that does not come from the string table: {left}; add a key to "
        "widget/strings.py and use t(key)"
    )


def test_the_detector_finds_hard_coded_text() -> None:
    sample = (
        'node.textContent = "Hello there";\nbutton.setAttribute("aria-label", "Close");\n'
        'transcript.notice("Oops", "info");\nvar e = { message: "Too bad" };\nx.title = t("ok");\n'
    )
    assert literal_text(sample) == ["Hello there", "Close", "Oops", "Too bad"]


class _PageText(HTMLParser):
    """Text and visible attributes of the page template that are not template variables."""

    VISIBLE_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.left: list[str] = []

    @staticmethod
    def _words(text: str) -> str:
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text)
        return text.strip() if re.search(r"[A-Za-z]{2,}", text) else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.left += [v for k, v in attrs if k in self.VISIBLE_ATTRIBUTES and v and self._words(v)]

    def handle_data(self, data: str) -> None:
        if self.lasttag not in ("script", "style") and self._words(data):
            self.left.append(self._words(data))


def test_the_widget_page_shows_no_text_outside_the_table() -> None:
    parser = _PageText()
    parser.feed(PAGE.read_text())

    assert not parser.left, f"templates/widget/page.html shows text not from the table: {parser.left}"


# --- the page and the bootstrap in the agent's language ------------------------------------------------------


@pytest.mark.django_db
def test_the_page_and_the_bootstrap_speak_the_agents_language(client: Client, redis_conn: Any) -> None:
    origin = "https://laden.example.de"
    german = make_key(make_agent_tenant("laden", "de", origin))
    unknown = make_key(make_agent_tenant("other", "xx", origin))

    page = client.get("/widget/", {"key": german.public_id}).content.decode()
    assert '<html lang="de">' in page
    assert 'placeholder="Nachricht eingeben"' in page and ">Zustimmen und sprechen<" in page
    strings = json.loads(re.search(r'<script id="va-strings" type="application/json">(.*?)</script>', page).group(1))
    assert strings == widget_catalogue("de")

    answer = client.post(
        "/api/widget/bootstrap", {"key": german.public_id}, content_type="application/json", HTTP_ORIGIN=origin
    ).json()
    assert answer["options"]["language"] == "de"
    assert answer["options"]["strings"]["launcher_label"] == "Sprechen Sie mit uns"
    assert set(answer["options"]["strings"]) == set(LAUNCHER_KEYS)

    page = client.get("/widget/", {"key": unknown.public_id}).content.decode()
    assert '<html lang="en">' in page and 'placeholder="Type a message"' in page
    answer = client.post(
        "/api/widget/bootstrap", {"key": unknown.public_id}, content_type="application/json", HTTP_ORIGIN=origin
    ).json()
    assert answer["options"]["language"] == "en"
    assert answer["options"]["strings"]["launcher_label"] == "Talk to us"


def make_agent_tenant(slug: str, language: str, origin: str) -> Any:
    tenant = make_tenant(slug=slug, allowed_origins=origin)
    make_agent(tenant, language=language)
    return tenant
