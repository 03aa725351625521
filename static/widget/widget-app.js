/* The widget page inside the customer's site's iframe. It receives the bootstrap (options + token)
 * from the loader by postMessage, accepting messages only from its parent at the embedding origin the
 * token was minted for, and asks the loader for a fresh bootstrap whenever it needs a new token. */
(function () {
  "use strict";

  var app = document.getElementById("va-app");
  var allowedOrigins = JSON.parse(document.getElementById("va-allowed-origins").textContent);
  var expectedOrigin = new URLSearchParams(location.hash.slice(1)).get("origin") || "";
  var $ = function (id) { return document.getElementById(id); };
  var t = window.VoiceStrings.t;
  var TOKEN_MARGIN_MS = 20000;
  var PROTOCOL = JSON.parse(document.getElementById("va-protocol").textContent);
  // The tab's conversation, kept across the site's pages (continuity.js says where and why).
  var continuity = new VoiceContinuity(function (value) { toParent({ type: "va:store", value: value }); },
                                       PROTOCOL.resumeWindowSeconds);
  var REFRESH_TIMEOUT_MS = 10000;

  var current = null; // the latest bootstrap answer
  var tokenUsed = true;
  var waiters = [];
  var client = null;
  var transcript = null;
  var voiceMode = false;

  function show(screen) {
    ["va-loading", "va-welcome", "va-chat", "va-error"].forEach(function (id) { $(id).hidden = id !== screen; });
  }

  function fail(message, retry) {
    $("va-error-text").textContent = message;
    $("va-retry").hidden = !retry;
    show("va-error");
  }

  function toParent(message) {
    window.parent.postMessage(message, expectedOrigin);
  }

  // Framed by an allowed site only (CSP frame-ancestors enforces it; this keeps messages on that origin).
  if (window.parent === window || allowedOrigins.indexOf(expectedOrigin) < 0) {
    fail(t("framed_only"), false);
    return;
  }

  function applyOptions(options) {
    if (/^#[0-9a-fA-F]{6}$/.test(options.brandColor || "")) {
      document.documentElement.style.setProperty("--va-brand", options.brandColor);
    }
    $("va-title").textContent = options.tenantName || t("assistant");
    setAvatar($("va-avatar"), options);
    $("va-simulator").hidden = !options.simulator;
    // The greeting is the agent's first message in the conversation; the welcome screen does not say it first.
    $("va-welcome-title").textContent = options.agentName || options.tenantName || t("hello");
    $("va-welcome-text").textContent = options.welcomeText || "";
    $("va-disclaimer").textContent = options.disclaimerText || "";
    // The tenant's privacy policy beside the consent text; https only (the platform checks it too).
    var privacy = /^https:\/\/[^\s]+$/.test(options.privacyUrl || "") ? options.privacyUrl : "";
    if (privacy) $("va-privacy").href = privacy;
    $("va-privacy-line").hidden = !privacy;
    var list = $("va-capabilities");
    list.textContent = "";
    (options.capabilities || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    $("va-capabilities-block").hidden = !(options.capabilities || []).length;
    $("va-start-voice").hidden = !options.voiceAvailable;
    $("va-start-text").hidden = !options.textAvailable;
  }

  /* The tenant's logo, or the initial of its name: the same face in the header and beside each answer. */
  function setAvatar(node, options) {
    node.textContent = "";
    if (options.logoUrl) {
      var image = document.createElement("img");
      image.src = options.logoUrl;
      image.alt = "";
      node.appendChild(image);
    } else {
      node.textContent = ((options.tenantName || "A").trim().charAt(0) || "A").toUpperCase();
    }
  }

  /* The welcome screen's first button takes focus without scrolling to it: on a short screen (a phone on its side)
   * the visitor reads the screen from its title down, and Tab or Enter still reach the button. */
  function focusWelcome() {
    ($("va-start-voice").hidden ? $("va-start-text") : $("va-start-voice")).focus({ preventScroll: true });
    $("va-welcome").scrollTop = 0;
  }

  function focusScreen() {
    if (!$("va-welcome").hidden) { focusWelcome(); return; }
    var target = !$("va-chat").hidden ? $("va-input")
      : !$("va-error").hidden && !$("va-retry").hidden ? $("va-retry") : null;
    if (target) target.focus();
  }

  function receive(data, stored) {
    var first = current === null;
    current = data;
    tokenUsed = false;
    if (first) {
      applyOptions(data.options || {});
      continuity.load(stored); // what the loader kept for this tab
      var saved = continuity.resumable();
      if (saved) {
        resume(saved);
      } else {
        show("va-welcome");
        focusWelcome();
      }
    }
    var pending = waiters;
    waiters = [];
    pending.forEach(function (w) { w.resolve(); });
  }

  function refused(message) {
    var text = message.status === 429 ? VoiceClient.BUSY_MESSAGE
      : message.status === 403 || message.status === 401 || message.status === 404
        ? t("not_available") : t("unreachable");
    var pending = waiters;
    waiters = [];
    if (pending.length) {
      pending.forEach(function (w) { w.reject(new Error(text)); });
    } else {
      fail(text, message.status === 429 || message.status === 0);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== expectedOrigin) return;
    var message = event.data;
    if (!message || typeof message !== "object") return;
    if (message.type === "va:bootstrap") {
      var data = message.data;
      // The token must be bound to the very origin that is talking to us.
      if (!data || typeof data.token !== "string" || data.origin !== expectedOrigin) return;
      if (message.keyboard) document.documentElement.setAttribute("data-keyboard", ""); // the launcher's Enter
      receive(data, message.stored);
    } else if (message.type === "va:opened") { // opened again: rings if it was from the keyboard
      if (message.keyboard) document.documentElement.setAttribute("data-keyboard", "");
      else document.documentElement.removeAttribute("data-keyboard");
      // Hiding the panel took focus away: give it back to the screen's main control.
      if (!document.activeElement || document.activeElement === document.body) focusScreen();
    } else if (message.type === "va:bootstrap-error") {
      refused(message);
    } else if (message.type === "va:command") {
      bridge.command(message);
    } else if (message.type === "va:context") {
      bridge.setContext(message.context);
    }
  });

  function freshBootstrap() {
    return new Promise(function (resolve, reject) {
      var waiter = { resolve: resolve, reject: reject };
      waiters.push(waiter);
      setTimeout(function () {
        var index = waiters.indexOf(waiter);
        if (index >= 0) { waiters.splice(index, 1); reject(new Error(t("unreachable"))); }
      }, REFRESH_TIMEOUT_MS);
      toParent({ type: "va:refresh" });
    });
  }

  /* Each socket needs an unused, unexpired token; ask the loader for a new bootstrap otherwise. */
  function getToken() {
    var usable = current && !tokenUsed && current.expiresAt * 1000 - Date.now() > TOKEN_MARGIN_MS;
    var ready = usable ? Promise.resolve() : freshBootstrap();
    return ready.then(function () {
      tokenUsed = true;
      return current.token;
    });
  }

  var STATUS = {
    connecting: t("status_connecting"), live: t("status_live"), ended: t("status_ended"), error: t("status_error"),
  };
  var pendingText = ""; // typed while the socket was still opening: sent as soon as it is live
  var visitorSpoke = false; // once the visitor has said something, "Connected" has done its job and goes
  var activity = null;

  function setStatus() {
    var state = client.state;
    var over = state === "ended" || state === "error";
    var voiceLive = voiceMode && state === "live";
    // The line says how the connection stands while that matters (connecting, ended, lost), and "Connected" only
    // until the visitor's first message; empty, it takes no room but stays a live region for the next change.
    var quiet = voiceLive || (state === "live" && visitorSpoke);
    var text = quiet ? "" : STATUS[state] || "";
    if ($("va-status").textContent !== text) $("va-status").textContent = text;
    $("va-status").hidden = voiceLive;
    $("va-voicebar").hidden = !voiceLive;
    $("va-restart").hidden = !over;
    $("va-end").hidden = over || !$("va-end-confirm").hidden; // the confirm stands in for it while asking
    // The text box stays usable while the session lives (connecting included: the line waits for it).
    $("va-input").disabled = over;
    $("va-form").querySelector("button[type=submit]").disabled = over; // nothing to send to once it is over
    app.setAttribute("data-state", state);
    if (state === "live" && pendingText) { // cleared first: sending it comes back here (client.sent)
      var waiting = pendingText;
      pendingText = "";
      if (!client.sendText(waiting)) pendingText = waiting;
    }
    if (over) {
      pendingText = "";
      $("va-mic-note").hidden = true;
      hereAgain();
      $("va-end-confirm").hidden = true;
    }
  }

  function showVoice(state, label) {
    $("va-voice-label").textContent = label;
    app.setAttribute("data-voice", state);
    toParent({ type: "va:voice", state: state }); // the launcher shows it while the panel is closed
  }

  function makeClient() {
    client = new VoiceClient({ wsPath: current.wsPath, getToken: getToken,
                               workletUrl: app.dataset.worklet });
    var options = current.options || {};
    transcript = new VoiceTranscript($("va-transcript"), client,
                                     { agentName: options.tenantName, avatarUrl: options.logoUrl,
                                       locale: options.locale, currency: options.currency });
    activity = new VoiceActivity(client, $("va-orb"), showVoice);
    bridge.attach(client);
    client.on("client.state", setStatus);
    client.on("client.muted", function (event) {
      $("va-mute").setAttribute("aria-pressed", String(event.muted));
      $("va-mute").textContent = event.muted ? t("unmute") : t("mute");
      setStatus();
    });
    client.on("client.microphone", function (event) {
      voiceMode = false;
      $("va-mic-note-text").textContent = event.message;
      $("va-mic-note").hidden = false;
      app.setAttribute("data-microphone", event.code);
      setStatus();
      $("va-input").focus();
    });
    client.on("client.voice", function () {
      voiceMode = true;
      $("va-mic-note").hidden = true;
      app.removeAttribute("data-microphone");
      setStatus();
    });
    client.on("platform.session", function (event) {
      if (event.simulator) $("va-simulator").hidden = false;
      continuity.session(event.sessionId, event.resumeToken);
    });
    client.on("transcript", function (line) { if (line.final) continuity.line(line.id, line.role, line.text); });
    client.on("platform.visual", function (event) { continuity.card(event); });
    client.on("platform.ended", function () { continuity.forget(); }); // ended by the server: never continued
    client.on("platform.idle", stillThere);
    client.on("client.sent", function (event) { if (event.type !== "input_audio_buffer.append") hereAgain(); });
    client.on("client.sent", function (event) { if (event.type === "conversation.item.create") spoke(); });
    client.on("input_audio_buffer.speech_started", hereAgain);
    client.on("input_audio_buffer.speech_started", spoke);
    client.on("platform.notice", function (event) {
      // The earlier conversation could not go on: its lines stay on screen, above this line, but are not kept.
      if (event.code === "resume_expired" || event.code === "resume_refused") continuity.forgetLines();
    });
    client.on("platform.notice", function (event) {
      // The notice's code picks its text in the widget's language; the server's English text is the fallback.
      var known = event.code && window.VoiceStrings.has("notice." + event.code);
      var message = known ? t("notice." + event.code, event) : event.message;
      transcript.notice(message || t("something_wrong"), event.level);
    });
    client.on("client.error", function (event) { transcript.notice(event.message, "error"); });
    client.on("platform.tool", function (event) {
      app.setAttribute("data-tool", event.status === "running" ? event.tool : "");
    });
  }

  function spoke() {
    if (visitorSpoke) return;
    visitorSpoke = true;
    setStatus();
  }

  function start(voice) {
    voiceMode = voice;
    visitorSpoke = false;
    show("va-chat");
    if (!client) makeClient();
    $("va-mic-note").hidden = true;
    continuity.forget(); // a new conversation: nothing earlier to continue
    continuity.consent(voice);
    client.start({ voice: voice });
    setStatus();
    $("va-input").focus();
  }

  /* Reopened on another page of the site within the window: show what was said and ask the server to continue.
   * Typed: the microphone needs a click inside this frame, which the launcher's click is not. */
  function resume(saved) {
    voiceMode = false;
    show("va-chat");
    if (!client) makeClient();
    visitorSpoke = saved.lines.some(function (line) { return line.role === "user"; });
    saved.entries.forEach(function (entry) {
      var line = entry.line;
      if (line) transcript.upsert({ id: line.id, role: line.role, text: line.text, final: true, at: line.at });
      else transcript.visual(entry.card, { restored: true });
    });
    $("va-mic-note").hidden = !saved.voice;
    $("va-mic-note-text").textContent = t("resumed_voice");
    client.resumeToken = saved.resumeToken;
    client.start({ voice: false });
    setStatus();
    $("va-input").focus();
    bridge.accepted(); // consented on an earlier page: a text the host page sent meanwhile goes out now
  }

  /* The server warns before its idle timeout; any turn, or the button, keeps the conversation. */
  function stillThere() {
    $("va-still-there").hidden = false;
    $("va-still-here").focus();
    toParent({ type: "va:idle", on: true }); // the launcher says it while the panel is closed
  }

  function hereAgain() {
    if ($("va-still-there").hidden) return;
    $("va-still-there").hidden = true;
    toParent({ type: "va:idle", on: false });
  }

  function confirmEnd(asking) {
    $("va-end-confirm").hidden = !asking;
    $("va-end").hidden = asking || client.state === "ended" || client.state === "error";
    (asking ? $("va-end-no") : $("va-input")).focus();
  }

  $("va-start-voice").addEventListener("click", function () { start(true); });
  $("va-start-text").addEventListener("click", function () { start(false); });
  $("va-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("va-input");
    if (!client || !input.value.trim()) return;
    if (client.state === "connecting") { pendingText = input.value; input.value = ""; return; }
    if (client.sendText(input.value)) input.value = "";
  });
  $("va-voice-retry").addEventListener("click", function () { client.startVoice(); });
  $("va-mute").addEventListener("click", function () { client.setMuted(!client.muted); });
  // End is for good: while the conversation lives, it asks first, in the panel (no browser dialog).
  $("va-end").addEventListener("click", function () {
    if (client.state === "live" || client.state === "connecting") { confirmEnd(true); return; }
    client.end();
  });
  $("va-end-yes").addEventListener("click", function () {
    $("va-end-confirm").hidden = true;
    continuity.forget();
    client.end();
    // Said in the conversation, like the server's idle end, not only in the status line above it.
    transcript.notice(t("ended_by_visitor"), "info");
    $("va-restart").focus();
  });
  $("va-end-no").addEventListener("click", function () { confirmEnd(false); });
  $("va-still-here").addEventListener("click", function () {
    client.keepAlive();
    hereAgain();
    $("va-input").focus();
  });
  $("va-restart").addEventListener("click", function () {
    transcript.notice(t("new_conversation"), "info");
    start(voiceMode);
  });
  $("va-retry").addEventListener("click", function () { show("va-loading"); toParent({ type: "va:refresh" }); });
  // Closing only hides the panel: the conversation (and a call) goes on; End is the explicit way out.
  $("va-close").addEventListener("click", function () { toParent({ type: "va:close" }); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") toParent({ type: "va:close" });
  });

  /* The panel sizes to its content: tell the loader the height the visible screen needs, the conversation's
   * whole length included (the loader caps it; past the cap the conversation scrolls). */
  function contentHeight(node) {
    var kids = Array.prototype.filter.call(node.children, function (kid) { return kid.getClientRects().length; });
    if (!kids.length) return 0;
    var style = getComputedStyle(node);
    var first = kids[0], last = kids[kids.length - 1];
    return last.getBoundingClientRect().bottom - first.getBoundingClientRect().top
      + parseFloat(getComputedStyle(first).marginTop) + parseFloat(getComputedStyle(last).marginBottom)
      + parseFloat(style.paddingTop) + parseFloat(style.paddingBottom)
      + parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
  }

  function neededHeight() {
    var screen = ["va-loading", "va-welcome", "va-chat", "va-error"].map($).filter(function (s) { return !s.hidden; })[0];
    if (!screen) return 0;
    var height = contentHeight(screen);
    if (screen.id === "va-chat") { // the log stretches to fill the panel: count its content instead
      var log = $("va-transcript");
      var minimum = parseFloat(getComputedStyle(log).minHeight) || 0;
      height += Math.max(minimum, contentHeight(log)) - log.offsetHeight;
    }
    return Math.ceil(document.querySelector(".va-header").offsetHeight + height);
  }

  var reportedHeight = 0;
  var heightFrame = 0;
  function reportHeight() {
    cancelAnimationFrame(heightFrame);
    heightFrame = requestAnimationFrame(function () {
      var height = neededHeight();
      if (height && Math.abs(height - reportedHeight) > 1) {
        reportedHeight = height;
        toParent({ type: "va:height", height: height });
      }
    });
  }
  new MutationObserver(reportHeight).observe(app, { childList: true, subtree: true, characterData: true,
                                                    attributes: true, attributeFilter: ["hidden", "class"] });
  app.addEventListener("load", reportHeight, true); // a card's picture changes its height once loaded
  app.addEventListener("toggle", reportHeight, true);
  window.addEventListener("resize", reportHeight);

  // Focus rings only for keyboard use (widget.css): a key that moves focus shows them, a pointer hides them.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Tab" || event.key.indexOf("Arrow") === 0) document.documentElement.setAttribute("data-keyboard", "");
  }, true);
  document.addEventListener("pointerdown", function () { document.documentElement.removeAttribute("data-keyboard"); },
                            true);

  // The host page's API (host-bridge.js); created after the listeners above, so an accepted consent comes first.
  var bridge = new VoiceHostBridge({ $: $, toParent: toParent });

  toParent({ type: "va:ready" });
  reportHeight();
})();
