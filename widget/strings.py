"""Every string the visitor's widget shows, in one table, translated by Django's gettext into the agent's language.

The widget page embeds the catalogue for its agent's language as JSON (`#va-strings`); the widget's scripts read
text only from it (`t("end")`, static/widget/strings.js) and the page template from `strings.KEY`. The loader on
the customer's page gets its few strings in the bootstrap answer. English is the source text: a language or a
string without a translation shows English. The translations live in `locale/<lang>/LC_MESSAGES/django.po`
(`make messages` extracts and compiles them); docs/widget.md, Languages, says how to add one.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from agents.protocol import ESCALATION, NOTICES, STILL_THERE

FALLBACK_LANGUAGE = "en"
# The languages the widget speaks besides English; an agent in any other language gets the English widget.
TRANSLATED_LANGUAGES = ("de", "fr", "es", "pt")

# key → English text. `{name}`-style placeholders are filled by the widget (t("agent_typing", {name: …})).
WIDGET_STRINGS: dict[str, Promise] = {
    # The page, the header and the welcome screen.
    "page_title": _("Voice assistant"),
    "assistant": _("Assistant"),
    "simulator": _("Simulator"),
    "simulator_hint": _("No AI service is connected; a local simulator answers."),
    "close": _("Close the assistant"),
    "loading": _("Loading…"),
    "hello": _("Hello!"),
    "capabilities_title": _("What I can do"),
    "accept_talk": _("Accept and talk"),
    "accept_type": _("Accept and type"),
    "microphone_hint": _("The microphone is only asked for after you choose to talk."),
    "privacy_policy": _("Privacy policy"),
    "opens_new_tab": _("(opens in a new tab)"),
    "sent_once_you_accept": _("Sent once you accept:"),
    # The conversation.
    "mute": _("Mute"),
    "unmute": _("Unmute"),
    "conversation": _("Conversation"),
    "voice_retry": _("Try voice again"),
    "message_label": _("Message"),
    "message_placeholder": _("Type a message"),
    "send": _("Send"),
    "end": _("End"),
    "start_again": _("Start again"),
    "retry": _("Try again"),
    "new_conversation": _("New conversation"),
    "you_said": _("You said:"),
    "agent_said": _("{name} said:"),
    "agent_typing": _("{name} is typing"),
    "voice_message": _("Voice message"),
    "card_submit": _("Submit"),
    "show_all": _("Show all {count}"),
    "show_fewer": _("Show fewer"),
    # A card shown again after a page change: its buttons belonged to the earlier page's session.
    "card_earlier": _("From earlier in the conversation"),
    # A conversation that survives a page change, ends on purpose, and warns before the idle timeout.
    "resumed_voice": _("The microphone is off after the page change."),
    "end_question": _("End the conversation?"),
    "keep_talking": _("Keep talking"),
    "still_there": _(STILL_THERE),
    "still_here": _("I'm still here"),
    # The connection's state, in the line above the conversation.
    "status_connecting": _("Connecting…"),
    "status_live": _("Connected. Type your message."),
    "status_ended": _("Conversation ended."),
    "status_error": _("Disconnected."),
    "ended_by_visitor": _("You ended the conversation."),
    # The voice orb's states.
    "voice_listening": _("Listening…"),
    "voice_hearing": _("Hearing you…"),
    "voice_thinking": _("Thinking…"),
    "voice_speaking": _("Speaking…"),
    "voice_muted": _("Muted"),
    # What went wrong, as the visitor reads it.
    "framed_only": _("This page works inside a website's assistant button."),
    "not_available": _("This assistant is not available on this website."),
    "unreachable": _("The assistant could not be reached."),
    "something_wrong": _("Something went wrong."),
    "start_failed": _("Could not start the conversation."),
    "connection_lost": _("The connection was lost."),
    "microphone_denied": _("Microphone access was refused, so we switched to text."),
    "microphone_missing": _("No microphone is available, so we switched to text."),
    "microphone_unsupported": _("This browser cannot record audio here, so we switched to text."),
    # The launcher on the customer's page (sent in the bootstrap answer, see LAUNCHER_KEYS).
    "launcher_label": _("Talk to us"),
    "launcher_listening": _("{label} (call listening)"),
    "launcher_hearing": _("{label} (call hearing you)"),
    "launcher_thinking": _("{label} (call thinking)"),
    "launcher_speaking": _("{label} (call speaking)"),
    "launcher_muted": _("{label} (call muted)"),
    "launcher_still_there": _("{label} (still there?)"),
    # The server's notices (agents/protocol.py, marked there for translation), by their code; a notice's own
    # fields fill the placeholders (the escalation's {contact}).
    **{f"notice.{code}": _(text) for code, text in NOTICES.items()},
    "notice.escalation": _(ESCALATION),
}

# What the loader needs before (and beside) the widget page: the launcher's label, its states, the panel's name.
LAUNCHER_KEYS = (
    "launcher_label",
    "launcher_listening",
    "launcher_hearing",
    "launcher_thinking",
    "launcher_speaking",
    "launcher_muted",
    "launcher_still_there",
    "page_title",
)


def widget_language(code: str | None) -> str:
    """The language the widget speaks for an agent's ISO 639 code: the code when translated, else English."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in TRANSLATED_LANGUAGES else FALLBACK_LANGUAGE


def widget_catalogue(language: str | None, keys: tuple[str, ...] | None = None) -> dict[str, str]:
    """key → text in the widget's language for `language` (English where a string has no translation)."""
    with override(widget_language(language)):
        return {key: str(WIDGET_STRINGS[key]) for key in (keys or tuple(WIDGET_STRINGS))}
