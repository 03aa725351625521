"""The widget explains a socket the server closed for what was sent: a message over the server's size limit
is closed with 1009 "message too large" (config/server.py), with no notice before it, and the visitor reads why
instead of "The connection was lost"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.protocol import NOTICES
from tests.support.browser import STATE_IS, TIMEOUT_MS, new_page, open_widget, wait_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Keeps the widget's socket reachable from the test (on top of the observer's own wrapper).
KEEP_SOCKETS = """
(function () {
  var Observed = window.WebSocket;
  window.__sockets = [];
  function Kept(url, protocols) {
    var socket = new Observed(url, protocols);
    window.__sockets.push(socket);
    return socket;
  }
  Kept.prototype = Observed.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) { Kept[name] = Observed[name]; });
  window.WebSocket = Kept;
})();
"""


def test_a_message_too_large_is_explained_to_the_visitor(
    chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    page.context.add_init_script(KEEP_SOCKETS)
    frame = open_widget(page, demo_live)
    frame.locator("#va-start-voice").click()
    wait_widget(frame, STATE_IS, "live")
    frame.evaluate(
        """() => window.__sockets[window.__sockets.length - 1].send(
             '{"type":"input_audio_buffer.append","audio":"' + 'A'.repeat(1100000) + '"}')"""
    )
    notice = frame.locator(".va-notice", has_text=NOTICES["message_too_large"])
    notice.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert frame.locator(".va-notice", has_text="The connection was lost").count() == 0
    page.screenshot(path=screenshots / "socket-message-too-large.png")
    assert not page.js_errors, page.js_errors
