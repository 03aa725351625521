/* What the widget keeps for its tab, so a conversation survives a page change of the customer's site: the
 * visitor's consent (and whether they chose voice or text), the lines and the last cards shown, and the session id with the resume
 * token the server signed for it.
 *
 * It lives in the host page's sessionStorage, kept by the loader (loader.js) on this frame's request, and comes
 * back with the loader's bootstrap on the next page. Not in this frame's own sessionStorage: this frame is a
 * third party on the customer's site, and a browser blocking third-party cookies denies a third-party frame any
 * storage ("Access is denied for this document": Chromium 156 as the browser tests run it does so by default);
 * the host page's own sessionStorage is per tab and per site in every browser. The host page's scripts can read it: the
 * lines are what the visitor typed and read on that site, and the token continues the conversation only from
 * that same site, within 30 minutes, once. What the agent remembers is loaded by the server from its own
 * records (agents/resume.py), never from here. Exposes window.VoiceContinuity.
 */
(function () {
  "use strict";

  var MAX_LINES = 40;
  var MAX_CHARS = 2000; // a line as long as a typed turn may be
  // The last cards, newest kept first: the loader keeps nothing over 2e5 characters in all, lines included.
  var MAX_CARDS = 10;
  var MAX_CARDS_CHARS = 80000;

  function next(value) { // the place of a line or card in the conversation, to restore both in their order
    value.seq = (typeof value.seq === "number" ? value.seq : 0) + 1;
    return value.seq;
  }

  /* `save(value)` hands the state to the loader; `load(value)` takes what the loader kept (any shape: the
   * host page could have changed it, so every field is checked where it is used). */
  function VoiceContinuity(save, windowSeconds) {
    this.save = save;
    this.windowMs = windowSeconds * 1000;
    this.value = {};
  }

  VoiceContinuity.prototype.load = function (value) {
    this.value = value && typeof value === "object" && !Array.isArray(value) ? value : {};
  };

  VoiceContinuity.prototype.read = function () { return this.value; };

  VoiceContinuity.prototype.write = function (value) {
    this.value = value;
    try { this.save(JSON.parse(JSON.stringify(value))); } catch (err) { /* not kept */ }
  };

  VoiceContinuity.prototype.update = function (change) {
    var value = this.read();
    change(value);
    this.write(value);
  };

  /* The visitor accepted the terms, choosing voice or text. */
  VoiceContinuity.prototype.consent = function (voice) {
    this.update(function (value) { value.consent = { voice: !!voice, at: Date.now() }; });
  };

  VoiceContinuity.prototype.hasConsent = function () { return !!this.read().consent; };

  VoiceContinuity.prototype.session = function (sessionId, resumeToken) {
    this.update(function (value) {
      value.sessionId = sessionId;
      value.resumeToken = resumeToken || null;
      value.savedAt = Date.now();
    });
  };

  /* A final line of the conversation; the same id again replaces it (an answer's last words). */
  VoiceContinuity.prototype.line = function (id, role, text) {
    if (!text || (role !== "user" && role !== "assistant")) return;
    this.update(function (value) {
      var lines = Array.isArray(value.lines) ? value.lines : [];
      var entry = { id: String(id), role: role, text: String(text).slice(0, MAX_CHARS), at: Date.now() };
      var index = lines.findIndex(function (line) { return line && line.id === entry.id; });
      if (index >= 0) { entry.seq = lines[index].seq; lines[index] = entry; }
      else { entry.seq = next(value); lines.push(entry); }
      value.lines = lines.slice(-MAX_LINES);
      value.savedAt = Date.now();
    });
  };

  /* A card as the server sent it (platform.visual): shown again, through the same rendering, on the next page. */
  VoiceContinuity.prototype.card = function (event) {
    if (!event || typeof event.html !== "string" || event.html.length > MAX_CARDS_CHARS) return;
    this.update(function (value) {
      var cards = (Array.isArray(value.cards) ? value.cards : []).concat([{
        callId: String(event.callId || ""), tool: String(event.tool || ""), html: event.html, seq: next(value),
      }]).slice(-MAX_CARDS);
      var size = 0;
      var kept = [];
      for (var i = cards.length - 1; i >= 0; i--) { // the newest first, until the budget is spent
        size += cards[i].html.length;
        if (size > MAX_CARDS_CHARS) break;
        kept.unshift(cards[i]);
      }
      value.cards = kept;
      value.savedAt = Date.now();
    });
  };

  /* What to continue, if anything: the lines and the token, while the window is open. `entries` are the lines
   * and cards in the order they were shown ({line} or {card}). */
  VoiceContinuity.prototype.resumable = function () {
    var value = this.read();
    if (!value.consent || typeof value.resumeToken !== "string" || typeof value.savedAt !== "number") return null;
    if (Date.now() - value.savedAt > this.windowMs) { this.forget(); return null; }
    var lines = (Array.isArray(value.lines) ? value.lines : []).filter(function (line) {
      return line && typeof line.text === "string" && (line.role === "user" || line.role === "assistant");
    });
    lines = lines.slice(-MAX_LINES);
    var cards = (Array.isArray(value.cards) ? value.cards : []).filter(function (card) {
      return card && typeof card.html === "string" && typeof card.callId === "string" && typeof card.tool === "string";
    }).slice(-MAX_CARDS);
    var entries = lines.map(function (line) { return { seq: line.seq, line: line }; })
      .concat(cards.map(function (card) { return { seq: card.seq, card: card }; }));
    var place = function (entry) { return typeof entry.seq === "number" ? entry.seq : 0; };
    entries.sort(function (a, b) { return place(a) - place(b); }); // stable: lines kept before seq stay first
    return { sessionId: value.sessionId, resumeToken: value.resumeToken, lines: lines, entries: entries,
             voice: !!value.consent.voice };
  };

  /* The earlier conversation could not be continued: its lines are not this one's. */
  VoiceContinuity.prototype.forgetLines = function () {
    this.update(function (value) { delete value.lines; delete value.cards; });
  };

  /* The conversation is over for good (End, a timeout, a limit): keep the consent only. */
  VoiceContinuity.prototype.forget = function () {
    this.update(function (value) {
      delete value.sessionId;
      delete value.resumeToken;
      delete value.savedAt;
      delete value.lines;
      delete value.cards;
    });
  };

  window.VoiceContinuity = VoiceContinuity;
})();
