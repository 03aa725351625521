/* Voice agent loader, served as /widget.js. Paste once:
 *   <script src="(platform)/widget.js" data-key="pk_..." async></script>
 * Adds a floating button inside a closed shadow root (the page's CSS cannot reach it, ours cannot leak),
 * fetches the bootstrap from the platform (the browser's Origin header proves which site this is) and
 * hands it to the widget iframe by postMessage; every message's origin and source are checked. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || window.__voiceAgentLoader) return;
  window.__voiceAgentLoader = true;

  var KEY = script.getAttribute("data-key") || "";
  // An identified visitor: the site's server signs the e-mail (HMAC-SHA256 with the tenant's identity secret).
  var IDENTITY = script.getAttribute("data-user-hash")
    ? { userEmail: script.getAttribute("data-user-email") || "", userHash: script.getAttribute("data-user-hash") }
    : {};
  var PLATFORM = new URL(script.src, location.href).origin;
  var TOKEN_MARGIN_MS = 30000;
  var HEX = /^#[0-9a-fA-F]{6}$/;
  // The launcher's strings come in the agent's language with the bootstrap; English until then (or without it).
  var STRINGS = {
    launcher_label: "Talk to us", page_title: "Voice assistant",
    launcher_listening: "{label} (call listening)", launcher_hearing: "{label} (call hearing you)",
    launcher_thinking: "{label} (call thinking)", launcher_speaking: "{label} (call speaking)",
    launcher_muted: "{label} (call muted)", launcher_still_there: "{label} (still there?)",
  };
  function t(key, label) { return STRINGS[key].replace("{label}", function () { return label || ""; }); }
  /* Branding: the tag's data-* attributes win; the tenant's settings (from the bootstrap, which answers before
   * the launcher is first drawn) fill the rest, so the launcher is right from its first paint. */
  var TAG = {
    label: (script.getAttribute("data-label") || "").trim().slice(0, 40),
    color: HEX.test(script.getAttribute("data-color") || "") ? script.getAttribute("data-color") : "",
    side: /^(left|right)$/.test(script.getAttribute("data-position") || "") ? script.getAttribute("data-position") : "",
    icon: /^(mic|chat)$/.test(script.getAttribute("data-icon") || "") ? script.getAttribute("data-icon") : "",
  };
  var tenant = { label: "", color: "", side: "", icon: "" };
  // Page variables for the agent (data-context JSON, VoiceAgent.setContext); the platform checks them.
  var CONTEXT = readContext(script.getAttribute("data-context"));
  var host, wrap, button, label, panel, frame, pending = null, cached = null, open = false;

  function readContext(raw) {
    if (!raw) return null;
    try {
      var value = JSON.parse(raw);
      if (value && typeof value === "object" && !Array.isArray(value)) return value;
    } catch (err) { /* reported below */ }
    if (window.console) console.warn("voice widget: data-context ignored: it must be a JSON object, like {\"productId\": \"p-041\"}");
    return null;
  }

  function launcherLabel() { return TAG.label || tenant.label || t("launcher_label"); }
  var openedByKeyboard = false; // by Enter or Space: focus rings

  function bootstrap() {
    // A token opens one socket only, so a cached answer is handed out once, and only while fresh.
    if (cached && cached.expiresAt * 1000 - Date.now() > TOKEN_MARGIN_MS) {
      var fresh = cached;
      cached = null;
      return Promise.resolve(fresh);
    }
    if (!pending) {
      pending = fetch(PLATFORM + "/api/widget/bootstrap", {
        // Customers' sites send no cookies; on the platform's own pages (the install page's staff preview) the
        // staff session goes along, since it is what admits the preview.
        method: "POST", mode: "cors", credentials: PLATFORM === location.origin ? "same-origin" : "omit", cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ key: KEY }, IDENTITY, CONTEXT ? { context: CONTEXT } : {})),
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok && body.error && body.error.code === "invalid_context" && CONTEXT) {
            // A page's mistake must not take the assistant away: say why once, and go on without the context.
            if (window.console) console.warn("voice widget: page context refused: " + body.error.message);
            CONTEXT = null;
            pending = null;
            return bootstrap();
          }
          if (!response.ok) {
            var error = new Error((body.error && body.error.message) || "Unavailable");
            error.status = response.status;
            error.code = body.error && body.error.code;
            error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
            throw error;
          }
          useStrings(body.options && body.options.strings);
          tenantBranding(body.options || {});
          return body;
        });
      }, function () {
        // Blocked by CORS (site not allowed) or offline: the body is unreadable either way.
        var error = new Error("The assistant could not be reached.");
        error.status = 0;
        throw error;
      });
      pending.then(function () { pending = null; }, function () { pending = null; });
    }
    return pending;
  }

  function useStrings(strings) {
    if (!strings || typeof strings !== "object") return;
    Object.keys(STRINGS).forEach(function (key) {
      if (typeof strings[key] === "string" && strings[key]) STRINGS[key] = strings[key];
    });
  }

  function tenantBranding(options) {
    tenant.color = HEX.test(options.brandColor || "") ? options.brandColor : "";
    tenant.label = typeof options.launcherLabel === "string" ? options.launcherLabel.trim().slice(0, 40) : "";
    tenant.side = options.launcherPosition === "left" ? "left" : "";
    tenant.icon = options.launcherIcon === "chat" ? "chat" : "";
    paintLauncher();
  }

  function paintLauncher() {
    if (!wrap) return;
    var color = TAG.color || tenant.color;
    if (color) wrap.style.setProperty("--va-brand", color);
    wrap.className = "va-root" + ((TAG.side || tenant.side) === "left" ? " va-left" : "");
    button.innerHTML = (TAG.icon || tenant.icon) === "chat" ? CHAT : ICON;
    label.textContent = launcherLabel();
    showVoice(button.getAttribute("data-voice") || "off");
  }

  function prefetch() {
    if (!cached && !pending && !frame) bootstrap().then(function (data) { cached = data; }, function () {});
  }

  function post(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, PLATFORM);
  }

  function deliver() {
    bootstrap().then(function (data) {
      // A prefetch still in flight caches this same answer: it is handed out now, never again from the cache.
      if (cached === data) cached = null;
      post({ type: "va:bootstrap", data: data, stored: storedRead(), keyboard: openedByKeyboard }); // keyboard: focus rings
    }, function (error) {
      post({ type: "va:bootstrap-error", status: error.status, code: error.code || "",
             message: error.message, retryAfter: error.retryAfter || 0 });
    });
  }

  function onMessage(event) {
    // Only the platform's own iframe may talk to us.
    if (event.origin !== PLATFORM || !frame || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || typeof message !== "object") return;
    if (message.type === "va:ready") { deliver(); frameReady(); }
    else if (message.type === "va:refresh") deliver();
    else if (message.type === "va:close") toggle(false);
    else if (message.type === "va:store") storedWrite(message.value);
    else if (message.type === "va:voice") showVoice(message.state);
    else if (message.type === "va:idle") { stillThere = !!message.on; showVoice(button.getAttribute("data-voice")); }
    else if (message.type === "va:event") fromFrame(message.name, message.detail);
    else if (message.type === "va:context-error" && typeof message.message === "string" && window.console) {
      console.warn("voice widget: page context refused: " + message.message.slice(0, 300));
    }
    // The panel fits its content, up to max-height.
    else if (message.type === "va:height" && message.height > 0) {
      panel.style.setProperty("--va-fit", Math.max(message.height | 0, 160) + "px");
    }
  }

  // The tab's conversation, for the site's next page; here, not in the frame (continuity.js says why).
  var STORED = "voice-agent:" + KEY;
  function storedRead() {
    try { return JSON.parse(sessionStorage.getItem(STORED)); } catch (e) { return null; }
  }
  function storedWrite(value) {
    try { var text = JSON.stringify(value || {}); if (text.length < 2e5) sessionStorage.setItem(STORED, text); } catch (e) {}
  }

  // The call's state on the launcher, so a visitor who closed the panel still sees it listen and speak.
  var VOICE_STATES = ["listening", "hearing", "thinking", "speaking", "muted"];
  // The server asked "Still there?": a visitor who closed the panel sees a dot, and opening shows the question.
  var stillThere = false;

  function showVoice(state) {
    if (VOICE_STATES.indexOf(state) < 0) state = "off";
    button.setAttribute("data-voice", state);
    button.toggleAttribute("data-idle", stillThere);
    var name = launcherLabel();
    var key = stillThere ? "launcher_still_there" : "launcher_" + state;
    button.setAttribute("aria-label", stillThere || state !== "off" ? t(key, name) : name);
  }

  function makeFrame() {
    frame = document.createElement("iframe");
    frame.title = t("page_title");
    frame.setAttribute("allow", "microphone; autoplay");
    frame.src = PLATFORM + "/widget/?key=" + encodeURIComponent(KEY) + "#origin=" + encodeURIComponent(location.origin);
    panel.appendChild(frame);
  }

  function toggle(show) {
    var changed = open !== show;
    open = show;
    if (show && !frame) makeFrame();
    panel.hidden = !show;
    wrap.classList.toggle("va-open", show);
    var label = wrap.querySelector(".va-label");
    if (label) label.hidden = show;
    button.setAttribute("aria-expanded", String(show));
    if (show && frame) { post({ type: "va:opened", keyboard: openedByKeyboard }); frame.focus(); }
    // Closing only hides the panel: the conversation goes on (End in the panel ends it).
    if (!show && changed) button.focus();
    if (changed) emit(show ? "open" : "close", {});
  }

  var CSS = [
    ":host{all:initial}",
    ".va-root{--va-brand:#2563eb;position:fixed;right:20px;bottom:20px;z-index:2147483000;font:16px/1.4 system-ui,sans-serif;",
    "display:flex;align-items:center;gap:10px;flex-direction:row-reverse}",
    ".va-root.va-left{right:auto;left:20px;flex-direction:row}",
    ".va-label{background:#fff;color:#111827;border-radius:999px;padding:6px 12px;font-size:14px;font-weight:600;",
    "box-shadow:0 2px 10px rgba(0,0,0,.18);cursor:pointer;white-space:nowrap;border:0;font-family:inherit}",
    ".va-label[hidden]{display:none}",
    ".va-button{width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;background:var(--va-brand);",
    "color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}",
    ".va-button:focus-visible{outline:3px solid #111;outline-offset:3px}",
    ".va-button svg{width:28px;height:28px;fill:currentColor}",
    // A call in progress: a ring that breathes while listening, follows speech, spins while thinking.
    ".va-button[aria-expanded=false][data-voice]:not([data-voice=off])::after{content:'';position:absolute;inset:-5px;border-radius:50%;",
    "border:3px solid var(--va-brand);opacity:.55;pointer-events:none}",
    ".va-button{position:relative}",
    ".va-button[data-voice=listening]::after{animation:va-breathe 2.4s ease-in-out infinite}",
    ".va-button[data-voice=hearing]::after{animation:va-breathe .6s ease-in-out infinite;opacity:.9}",
    ".va-button[data-voice=speaking]::after{animation:va-breathe .9s ease-in-out infinite;opacity:.9;inset:-7px}",
    ".va-button[data-voice=thinking]::after{border-color:var(--va-brand) transparent;animation:va-spin 1s linear infinite}",
    ".va-button[data-voice=muted]::after{border-style:dashed;opacity:.4}",
    ".va-button[aria-expanded=false][data-idle]::before{content:'';position:absolute;top:0;right:0;width:14px;",
    "height:14px;border-radius:50%;background:#f59e0b;border:2px solid #fff}",
    "@keyframes va-breathe{0%,100%{transform:scale(1)}50%{transform:scale(1.12)}}",
    "@keyframes va-spin{to{transform:rotate(360deg)}}",
    "@media (prefers-reduced-motion:reduce){.va-button::after{animation:none!important}}",
    ".va-left .va-panel{right:auto;left:20px}",
    ".va-panel{position:fixed;right:20px;bottom:92px;width:380px;height:var(--va-fit,420px);max-height:min(600px,calc(100vh - 112px));",
    "border-radius:14px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.3);background:#fff}",
    ".va-panel[hidden]{display:none}",
    ".va-panel iframe{border:0;width:100%;height:100%;display:block}",
    "@media (max-width:480px),(max-height:480px){.va-panel{top:0;right:0;bottom:0;width:100vw;height:100%;max-height:none;",
    "border-radius:0}.va-root{right:14px;bottom:14px}.va-root.va-left{left:14px}.va-left .va-panel{left:0}",
    ".va-label{display:none}.va-open .va-button{display:none}}", // phones, upright or on their side: a sheet
  ].join("");
  var CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 ' +
    '4V6a2 2 0 0 1 2-2z"/></svg>';
  var ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 ' +
    '3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z"/></svg>';

  /* A constructed stylesheet, not a <style> element: the host page's Content-Security-Policy governs inline
   * <style> (a strict style-src would leave the launcher unstyled), not styles built through the CSSOM. */
  function styleRoot(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
      return;
    } catch (err) { /* a browser without constructable stylesheets (Safari before 16.4) */ }
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }

  function mount() {
    host = document.createElement("voice-agent-widget");
    host.style.setProperty("all", "initial", "important");
    var root = host.attachShadow({ mode: "closed" });
    wrap = document.createElement("div");
    button = document.createElement("button");
    button.type = "button";
    button.className = "va-button";
    button.setAttribute("aria-expanded", "false");
    // The short label beside the button; the button's accessible name says the same.
    label = document.createElement("span");
    label.className = "va-label";
    label.setAttribute("aria-hidden", "true");
    paintLauncher();
    label.addEventListener("click", function () { toggle(!open); });
    panel = document.createElement("div");
    panel.className = "va-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", t("page_title"));
    wrap.appendChild(panel);
    wrap.appendChild(button);
    wrap.appendChild(label);
    styleRoot(root);
    root.appendChild(wrap);
    button.addEventListener("click", function (event) { openedByKeyboard = event.detail === 0; toggle(!open); });
    button.addEventListener("pointerenter", prefetch);
    button.addEventListener("focus", prefetch);
    root.addEventListener("keydown", function (event) { if (event.key === "Escape" && open) toggle(false); });
    window.addEventListener("message", onMessage);
    document.body.appendChild(host);
    apiMounted();
  }

  /* The host page's API, window.VoiceAgent (docs/widget.md, "The JavaScript API"). Calls made before the
   * launcher is shown wait for it (dropped if the platform refuses this page); calls a page queued in
   * `VoiceAgent.q` before this script loaded run first, in order. Events reach `VoiceAgent.on(name, fn)`
   * listeners and window as DOM CustomEvents named "voiceagent:" + name, with the same detail. */
  var listeners = {};
  var EVENTS = { ready: 1, open: 1, close: 1, message: 1, "card-action": 1 };
  var waiting = [], mounted = false, refused = false, toFrame = [], frameLive = false;

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(detail); } catch (err) { setTimeout(function () { throw err; }); } // a page's bug is its own
    });
    window.dispatchEvent(new CustomEvent("voiceagent:" + name, { detail: detail }));
  }

  function whenMounted(fn) {
    if (mounted) fn();
    else if (!refused) waiting.push(fn);
  }

  function apiMounted() {
    mounted = true;
    var calls = waiting;
    waiting = [];
    calls.forEach(function (fn) { fn(); });
    emit("ready", {});
  }

  function apiRefused() { refused = true; waiting = []; }

  // Commands for the panel wait until its page has loaded and said va:ready.
  function command(message) {
    if (frameLive) post(message);
    else toFrame.push(message);
  }

  function frameReady() {
    frameLive = true;
    if (CONTEXT) post({ type: "va:context", context: CONTEXT });
    var queued = toFrame;
    toFrame = [];
    queued.forEach(post);
  }

  /* What the panel reports, checked again here: only known events, only plain data, never the page's markup. */
  function fromFrame(name, detail) {
    if (!detail || typeof detail !== "object") return;
    if (name === "message" && (detail.role === "user" || detail.role === "assistant") && typeof detail.text === "string") {
      emit("message", { role: detail.role, text: detail.text });
    } else if (name === "card-action") {
      var plain = scalars(detail);
      if (detail.arguments && typeof detail.arguments === "object") plain.arguments = scalars(detail.arguments);
      emit("card-action", plain);
    }
  }

  function scalars(object) {
    var plain = {};
    Object.keys(object).slice(0, 20).forEach(function (key) {
      if (/^(string|number|boolean)$/.test(typeof object[key])) plain[key] = object[key];
    });
    return plain;
  }

  function openPanel() { toggle(true); }

  var api = {
    open: function () { whenMounted(openPanel); },
    close: function () { whenMounted(function () { toggle(false); }); },
    // Opens the panel; the call starts once the visitor has accepted the consent screen (never bypassed).
    startVoice: function () { whenMounted(function () { openPanel(); command({ type: "va:command", command: "startVoice" }); }); },
    // Opens the panel and sends the text as the visitor's (after the consent screen, if not yet accepted).
    sendText: function (text) {
      if (typeof text !== "string" || !text.trim()) return;
      text = text.slice(0, 2000);
      whenMounted(function () { openPanel(); command({ type: "va:command", command: "sendText", text: text }); });
    },
    // Replaces the page's variables for the agent; the next answer knows them (checked by the platform).
    setContext: function (context) {
      if (!context || typeof context !== "object" || Array.isArray(context)) {
        if (window.console) console.warn("voice widget: setContext needs an object, like {productId: \"p-041\"}");
        return;
      }
      try { CONTEXT = JSON.parse(JSON.stringify(context)); } catch (err) { return; }
      cached = null; // a token minted before carries the old context
      if (frameLive) post({ type: "va:context", context: CONTEXT });
    },
    on: function (name, fn) {
      if (!EVENTS.hasOwnProperty(name) || typeof fn !== "function") return;
      (listeners[name] = listeners[name] || []).push(fn);
      if (name === "ready" && mounted) fn({});
    },
    off: function (name, fn) {
      if (EVENTS.hasOwnProperty(name)) listeners[name] = (listeners[name] || []).filter(function (f) { return f !== fn; });
    },
  };
  // The queue pattern: entries are [method, ...arguments]; later pushes run at once.
  function run(entry) {
    if (entry && typeof api[entry[0]] === "function" && entry[0] !== "q") api[entry[0]].apply(api, [].slice.call(entry, 1));
  }
  api.q = { push: run };
  var stub = window.VoiceAgent;
  window.VoiceAgent = api;
  if (stub && stub.q && typeof stub.q.length === "number") [].slice.call(stub.q).forEach(run);

  if (!/^pk_[A-Za-z0-9_]+$/.test(KEY)) {
    apiRefused();
    if (window.console) console.warn("voice widget: no launcher: the script tag needs data-key=\"pk_...\"");
    return;
  }

  /* One precise console line for the site's developer when the platform refuses this page, and no launcher:
   * a visitor never meets a button that opens an empty or broken panel. */
  function refusedLine(error) {
    var where = "key " + KEY + " on " + location.origin;
    if (error.status === 0) {
      return "voice widget: no launcher: the platform at " + PLATFORM + " refused or did not answer the bootstrap for " +
        where + " (is " + location.origin + " in the tenant's allowed origins, and is the key active?)";
    }
    var hint = error.code === "origin_not_allowed" ? "; add " + location.origin + " to the tenant's allowed origins" : "";
    return "voice widget: no launcher: bootstrap for " + where + " was refused (" + error.status +
      (error.code ? " " + error.code : "") + "): " + error.message + hint;
  }

  function whenBodyReady(callback) {
    if (document.body) callback();
    else document.addEventListener("DOMContentLoaded", callback);
  }

  // Ask first, show after: the answer is kept (handed out once, while fresh) for the panel's first socket.
  bootstrap().then(function (data) {
    cached = data;
    whenBodyReady(mount);
  }, function (error) {
    if (error.status === 429) { whenBodyReady(mount); return; } // busy for now: the panel says so and retries
    apiRefused();
    if (window.console) console.warn(refusedLine(error));
  });
})();