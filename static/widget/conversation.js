/* The conversation view the widget and the console share: messages as a chat (the visitor on the right, the
 * agent on the left with the tenant's avatar or initial), a typing indicator while the agent composes,
 * timestamps on hover, the visitor's spoken line placed where it was said (above the agent's answer), notices,
 * and the server-rendered cards. A card button carries data-action and data-arguments (JSON); a click sends
 * them as platform.action with the card's call id, which the server checks against what that card offered.
 * Prices (<data class="va-price">) are formatted in the tenant's locale and currency.
 * Exposes window.VoiceTranscript; needs a VoiceClient (client.js).
 */
(function () {
  "use strict";

  var t = window.VoiceStrings.t;
  var TYPING_GRACE_MS = 1500; // a completed response may be followed by a tool's answer: wait before hiding
  var TYPING_MAX_MS = 30000; // never a dot animation forever

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(date) {
    return date.toLocaleTimeString(window.VoiceStrings.locale, { hour: "2-digit", minute: "2-digit" });
  }

  /* A price in the tenant's locale; the server's text stays when the amount, currency or locale is unusable. */
  function formatPrices(root, locale, currency) {
    Array.prototype.forEach.call(root.querySelectorAll("data.va-price[value]"), function (node) {
      var value = Number(node.getAttribute("value"));
      var code = node.getAttribute("data-currency") || currency;
      if (!node.getAttribute("value") || !isFinite(value) || !code) return;
      try {
        node.textContent = new Intl.NumberFormat(locale || undefined, { style: "currency", currency: code })
          .format(value);
      } catch (err) { /* an unknown code or locale: keep the server's text */ }
    });
  }

  /* options: {agentName, avatarUrl, locale, currency} — the agent's side shows the avatar image or the name's
   * initial; cards' prices use the locale and (when the card names none) the currency. */
  function VoiceTranscript(container, client, options) {
    this.container = container;
    this.client = client;
    this.lines = {};
    this.typing = null;
    this.typingTimer = null;
    this.toolsRunning = 0;
    this.setAgent(options || {});
    var self = this;
    container.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button[data-action]") : null;
      var card = target && target.closest(".va-visual");
      if (!card || !container.contains(card)) return;
      event.preventDefault();
      var args = {};
      try { args = JSON.parse(target.getAttribute("data-arguments") || "{}"); } catch (err) { return; }
      var label = target.textContent.trim();
      var title = target.getAttribute("data-title") || "";
      self.client.sendCardAction(
        { callId: card.getAttribute("data-call"), action: target.getAttribute("data-action"), arguments: args },
        title ? label + ": " + title : label
      );
    });
    container.addEventListener("submit", function (event) { event.preventDefault(); }); // cards never navigate
    client.on("transcript", function (line) {
      self.upsert(line);
      if (line.role === "assistant") self.setTyping(false);
    });
    client.on("platform.visual", function (event) { self.visual(event); });
    // The visitor's spoken turn gets its place the moment the audio is committed, before the agent answers;
    // its words arrive later (transcription runs beside the response) and fill the same line.
    client.on("input_audio_buffer.committed", function (event) {
      if (!event.item_id) return;
      self.upsert({ id: event.item_id, role: "user", text: "", final: false, pending: true });
      self.setTyping(true);
    });
    client.on("conversation.item.input_audio_transcription.delta", function (event) {
      var node = self.lines["user:" + event.item_id];
      if (node && event.delta) {
        node.partialText = (node.partialText || "") + event.delta;
        self.upsert({ id: event.item_id, role: "user", text: node.partialText, final: false });
      }
    });
    client.on("conversation.item.input_audio_transcription.failed", function (event) {
      self.upsert({ id: event.item_id, role: "user", text: "", final: true, unheard: true });
    });
    client.on("client.sent", function (event) {
      if (event.type === "conversation.item.create" || event.type === "platform.action") self.setTyping(true);
    });
    client.on("platform.tool", function (event) {
      self.toolsRunning = Math.max(0, self.toolsRunning + (event.status === "running" ? 1 : -1));
      self.setTyping(true); // a tool's answer follows the tool
    });
    client.on("response.done", function (event) {
      var status = event.response && event.response.status;
      if (status && status !== "completed") { self.setTyping(false); return; }
      self.setTyping(false, TYPING_GRACE_MS);
    });
    client.on("error", function () { self.setTyping(false); });
    client.on("client.state", function (event) { if (event.state !== "live") self.setTyping(false); });
  }

  VoiceTranscript.prototype.setAgent = function (options) {
    this.agentName = options.agentName || t("assistant");
    this.avatarUrl = options.avatarUrl || "";
    this.locale = options.locale || "";
    this.currency = options.currency || "";
  };

  VoiceTranscript.prototype.avatar = function () {
    var avatar = element("span", "va-avatar");
    avatar.setAttribute("aria-hidden", "true");
    if (this.avatarUrl) {
      var image = element("img");
      image.src = this.avatarUrl;
      image.alt = "";
      avatar.appendChild(image);
    } else {
      avatar.textContent = (this.agentName.trim().charAt(0) || "A").toUpperCase();
    }
    return avatar;
  };

  VoiceTranscript.prototype.scroll = function () {
    if (this.typing) this.container.appendChild(this.typing); // the indicator stays last
    this.container.scrollTop = this.container.scrollHeight;
  };

  /* Append below the conversation, keeping the typing indicator last. */
  VoiceTranscript.prototype.append = function (node) {
    if (this.typing && this.typing.parentNode === this.container) this.container.insertBefore(node, this.typing);
    else this.container.appendChild(node);
  };

  /* `at`: when the line was said (a line restored after a page change keeps its time); default now. */
  VoiceTranscript.prototype.row = function (role, at) {
    var row = element("div", "va-line va-" + role);
    if (role === "assistant") row.appendChild(this.avatar());
    var bubble = element("div", "va-bubble");
    // Screen readers hear who speaks; the eye sees it from the side and the avatar.
    bubble.appendChild(element("span", "va-sr", (role === "user" ? t("you_said") : t("agent_said", { name: this.agentName })) + " "));
    bubble.appendChild(element("span", "va-text"));
    row.appendChild(bubble);
    var now = at ? new Date(at) : new Date();
    var time = element("time", "va-time", clock(now));
    time.setAttribute("datetime", now.toISOString());
    row.appendChild(time);
    row.title = now.toLocaleString(window.VoiceStrings.locale);
    return row;
  };

  VoiceTranscript.prototype.upsert = function (line) {
    var key = line.role + ":" + line.id;
    var node = this.lines[key];
    if (!node) {
      node = this.row(line.role, line.at);
      node.setAttribute("data-item", line.id);
      this.lines[key] = node;
      this.append(node);
    }
    var text = node.querySelector(".va-text");
    node.classList.toggle("va-pending", !!line.pending);
    node.classList.toggle("va-unheard", !!line.unheard);
    if (line.pending) text.textContent = "…";
    else if (line.unheard || (line.final && !line.text && line.role === "user")) {
      text.textContent = t("voice_message");
      node.classList.add("va-unheard");
    } else text.textContent = line.text + (line.interrupted ? " …" : "");
    // Partial lines are hidden from screen readers until final, so each line is announced once.
    node.setAttribute("aria-hidden", line.final ? "false" : "true");
    node.classList.toggle("va-partial", !line.final);
    this.scroll();
  };

  /* Show or hide the "agent is composing" dots; `delayMs` hides only if nothing shows it again meanwhile. */
  VoiceTranscript.prototype.setTyping = function (on, delayMs) {
    var self = this;
    clearTimeout(this.typingTimer);
    if (on) {
      if (!this.typing) {
        this.typing = this.row("assistant");
        this.typing.className = "va-line va-typing"; // not .va-assistant: it is no message
        this.typing.removeAttribute("title");
        this.typing.querySelector(".va-time").remove();
        var text = this.typing.querySelector(".va-text");
        text.setAttribute("aria-label", t("agent_typing", { name: this.agentName }));
        for (var i = 0; i < 3; i++) text.appendChild(element("span", "va-dot"));
        this.typing.querySelector(".va-sr").remove();
        this.container.appendChild(this.typing);
        this.scroll();
      }
      this.typingTimer = setTimeout(function () { self.setTyping(false); }, TYPING_MAX_MS);
      return;
    }
    if (delayMs && this.typing) {
      this.typingTimer = setTimeout(function () { if (!self.toolsRunning) self.setTyping(false); }, delayMs);
      return;
    }
    if (this.typing) { this.typing.remove(); this.typing = null; }
  };

  VoiceTranscript.prototype.notice = function (message, level) {
    var node = element("p", "va-notice va-" + (level || "info"), message);
    this.append(node);
    this.scroll();
    return node;
  };

  /* What a card restored after a page change may hold: the elements and attributes the server's card templates
   * use. The card came back through the host page's storage, which that page's scripts could have changed. */
  var CARD_TAGS = /^(a|button|data|dd|div|dl|dt|figcaption|figure|h3|img|li|p|section|span|strong|em|table|tbody|td|th|thead|tr|ul|ol|small|br)$/;
  var CARD_ATTRIBUTES = /^(alt|class|data-[a-z-]+|href|loading|rel|scope|src|style|target|title|type|value)$/;

  function cardFragment(html) {
    var template = document.createElement("template"); // parsed inert: nothing loads or runs
    template.innerHTML = html;
    Array.prototype.slice.call(template.content.querySelectorAll("*")).forEach(function (node) {
      if (!CARD_TAGS.test(node.localName)) { node.remove(); return; }
      Array.prototype.slice.call(node.attributes).forEach(function (attribute) {
        var name = attribute.name;
        var url = (name === "href" || name === "src") && !/^(https?:|\/|[^:]*$)/i.test(attribute.value.trim());
        if (!CARD_ATTRIBUTES.test(name) || url) node.removeAttribute(name);
      });
    });
    return template.content;
  }

  /* options.restored: a card from before a page change. The server takes a press only on a card of this session,
   * so its buttons stay visible but disabled, saying why. */
  VoiceTranscript.prototype.visual = function (event, options) {
    if (!event || typeof event.html !== "string") return;
    var restored = !!(options && options.restored);
    var wrapper = element("div", restored ? "va-visual va-restored" : "va-visual");
    wrapper.setAttribute("data-tool", event.tool || "");
    wrapper.setAttribute("data-call", event.callId || "");
    if (restored) {
      wrapper.appendChild(cardFragment(event.html));
      Array.prototype.forEach.call(wrapper.querySelectorAll("button[data-action]"), function (button) {
        button.disabled = true;
        button.title = t("card_earlier");
      });
    } else wrapper.innerHTML = event.html; // already escaped by the server's template; CSP blocks any script
    formatPrices(wrapper, this.locale, this.currency);
    this.carousel(wrapper);
    this.append(wrapper);
    this.scroll();
  };

  /* Several results read as a compact horizontal row with "Show all", not a stack of tall cards. Any card's
   * list of three or more items qualifies: the widget never needs to know which visual it shows. */
  var CAROUSEL_FROM = 3;

  VoiceTranscript.prototype.carousel = function (wrapper) {
    var lists = wrapper.querySelectorAll(".va-card > ul");
    Array.prototype.forEach.call(lists, function (list) {
      var count = list.children.length;
      if (count < CAROUSEL_FROM) return;
      list.classList.add("va-carousel");
      var toggle = element("button", "va-show-all", t("show_all", { count: count }));
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", function () {
        var expanded = list.classList.toggle("va-expanded");
        toggle.setAttribute("aria-expanded", String(expanded));
        toggle.textContent = expanded ? t("show_fewer") : t("show_all", { count: count });
      });
      list.parentNode.insertBefore(toggle, list.nextSibling);
    });
  };

  VoiceTranscript.prototype.clear = function () {
    this.container.textContent = "";
    this.lines = {};
    this.typing = null;
  };

  window.VoiceTranscript = VoiceTranscript;
})();
