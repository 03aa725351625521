/* The widget page's side of the host page's JavaScript API (window.VoiceAgent, in loader.js): commands from the
 * loader (start voice, send a text, the page's context) and events back to it (message, card-action).
 * The consent screen is never bypassed: a text the page sends before the visitor accepted waits, shown on that
 * screen, and goes out once they accept; startVoice only points at "Accept and talk".
 * Exposes window.VoiceHostBridge; widget-app.js creates it and attaches the VoiceClient once there is one. */
(function () {
  "use strict";

  var CONTEXT_ERRORS = { invalid_context: true, context_limit: true };

  function VoiceHostBridge(options) {
    var self = this;
    this.$ = options.$;
    this.toParent = options.toParent;
    this.client = null;
    this.context = null; // the page's latest context; sent whenever a socket goes live (the server skips a repeat)
    this.pendingText = "";
    // After widget-app's own listeners (it creates the bridge last): the conversation has started by then.
    ["va-start-voice", "va-start-text"].forEach(function (id) {
      self.$(id).addEventListener("click", function () { self.accepted(); });
    });
  }

  VoiceHostBridge.prototype.attach = function (client) {
    var self = this;
    this.client = client;
    client.on("transcript", function (line) {
      if (line.final && line.text) self.event("message", { role: line.role, text: line.text });
    });
    // A card's button: what was pressed ({action, callId, arguments}) and the visitor's line for it.
    client.on("client.card-action", function (event) {
      var action = event.action || {};
      self.event("card-action", { action: action.action, callId: action.callId, arguments: action.arguments || {},
                                  text: event.line });
    });
    client.on("client.state", function (event) { if (event.state === "live") self.sendContext(); });
    client.on("error", function (event) {
      var error = event.error || {};
      if (CONTEXT_ERRORS[error.code]) self.toParent({ type: "va:context-error", message: String(error.message || "") });
    });
  };

  VoiceHostBridge.prototype.event = function (name, detail) {
    this.toParent({ type: "va:event", name: name, detail: detail });
  };

  VoiceHostBridge.prototype.command = function (message) {
    if (message.command === "sendText" && typeof message.text === "string" && message.text.trim()) {
      if (this.client) this.submit(message.text.slice(0, 2000));
      else this.hold(message.text.slice(0, 2000));
    } else if (message.command === "startVoice") {
      if (!this.client) this.$("va-start-voice").focus();
      else if (this.client.state === "live" && !this.client.voice) this.client.startVoice();
    }
  };

  VoiceHostBridge.prototype.setContext = function (context) {
    if (!context || typeof context !== "object") return;
    this.context = context;
    this.sendContext();
  };

  VoiceHostBridge.prototype.sendContext = function () {
    if (this.context && this.client && this.client.state === "live") {
      this.client.send({ type: "platform.context", context: this.context });
    }
  };

  /* Before consent: the text waits, and the visitor sees what will be sent once they accept. */
  VoiceHostBridge.prototype.hold = function (text) {
    this.pendingText = text;
    this.$("va-pending-text").textContent = text;
    this.$("va-pending").hidden = false;
  };

  VoiceHostBridge.prototype.accepted = function () {
    this.$("va-pending").hidden = true;
    var text = this.pendingText;
    this.pendingText = "";
    if (text) this.submit(text);
  };

  /* Through the panel's own form, so a page's text takes exactly the visitor's path (queued while connecting). */
  VoiceHostBridge.prototype.submit = function (text) {
    if (!this.$("va-restart").hidden) this.$("va-restart").click(); // the last conversation ended: a new one
    this.$("va-input").value = text;
    this.$("va-form").requestSubmit();
  };

  window.VoiceHostBridge = VoiceHostBridge;
})();
