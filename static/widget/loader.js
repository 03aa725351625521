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
  // Branding from the tag, so the launcher is right from its first paint; the tenant's settings fill the rest.
  // The launcher's strings come in the agent's language with the bootstrap; English until then (or without it).
  var STRINGS = {
    launcher_label: "Talk to us", page_title: "Voice assistant",
    launcher_listening: "{label} (call listening)", launcher_hearing: "{label} (call hearing you)",
    launcher_thinking: "{label} (call thinking)", launcher_speaking: "{label} (call speaking)",
    launcher_muted: "{label} (call muted)",
  };
  function t(key, label) { return STRINGS[key].replace("{label}", function () { return label || ""; }); }
  var TAG_LABEL = (script.getAttribute("data-label") || "").trim().slice(0, 40);
  var LABEL = TAG_LABEL || t("launcher_label");
  var COLOR = HEX.test(script.getAttribute("data-color") || "") ? script.getAttribute("data-color") : "";
  var SIDE = script.getAttribute("data-position") === "left" ? "left" : "right";
  var ICON_NAME = script.getAttribute("data-icon") === "chat" ? "chat" : "mic";
  var host, wrap, button, panel, frame, pending = null, cached = null, open = false, brand = "";

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
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(Object.assign({ key: KEY }, IDENTITY)),
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            var error = new Error((body.error && body.error.message) || "Unavailable");
            error.status = response.status;
            error.code = body.error && body.error.code;
            error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
            throw error;
          }
          useStrings(body.options && body.options.strings);
          var color = body.options && body.options.brandColor;
          if (HEX.test(color || "")) brand = color;
          paintBrand();
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
    LABEL = TAG_LABEL || t("launcher_label");
  }

  function paintBrand() {
    if (wrap && (COLOR || brand)) wrap.style.setProperty("--va-brand", COLOR || brand);
  }

  function prefetch() {
    if (!cached && !pending && !frame) bootstrap().then(function (data) { cached = data; }, function () {});
  }

  function post(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, PLATFORM);
  }

  function deliver() {
    bootstrap().then(function (data) {
      // A hover prefetch still in flight when the widget asked resolves to this same answer and caches it:
      // this token is handed out now, so it must not be handed out again from the cache.
      if (cached === data) cached = null;
      post({ type: "va:bootstrap", data: data });
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
    if (message.type === "va:ready" || message.type === "va:refresh") deliver();
    else if (message.type === "va:close") toggle(false);
    else if (message.type === "va:voice") showVoice(message.state);
  }

  // The call's state on the launcher, so a visitor who closed the panel still sees it listen and speak.
  var VOICE_STATES = ["listening", "hearing", "thinking", "speaking", "muted"];

  function showVoice(state) {
    if (VOICE_STATES.indexOf(state) < 0) state = "off";
    button.setAttribute("data-voice", state);
    button.setAttribute("aria-label", state === "off" ? LABEL : t("launcher_" + state, LABEL));
  }

  function makeFrame() {
    frame = document.createElement("iframe");
    frame.title = t("page_title");
    frame.setAttribute("allow", "microphone; autoplay");
    frame.src = PLATFORM + "/widget/?key=" + encodeURIComponent(KEY) + "#origin=" + encodeURIComponent(location.origin);
    panel.appendChild(frame);
  }

  function toggle(show) {
    open = show;
    if (show && !frame) makeFrame();
    panel.hidden = !show;
    var label = wrap.querySelector(".va-label");
    if (label) label.hidden = show;
    button.setAttribute("aria-expanded", String(show));
    if (show && frame) frame.focus();
    // Closing only hides the panel: the conversation goes on (End in the panel ends it).
    if (!show) button.focus();
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
    "@keyframes va-breathe{0%,100%{transform:scale(1)}50%{transform:scale(1.12)}}",
    "@keyframes va-spin{to{transform:rotate(360deg)}}",
    "@media (prefers-reduced-motion:reduce){.va-button::after{animation:none!important}}",
    ".va-left .va-panel{right:auto;left:20px}",
    ".va-panel{position:fixed;right:20px;bottom:92px;width:380px;height:600px;max-height:calc(100vh - 112px);",
    "border-radius:14px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,.3);background:#fff}",
    ".va-panel[hidden]{display:none}",
    ".va-panel iframe{border:0;width:100%;height:100%;display:block}",
    "@media (max-width:480px){.va-panel{right:0;bottom:0;width:100vw;height:100%;max-height:none;border-radius:0}",
    ".va-root{right:14px;bottom:14px}.va-root.va-left{left:14px}.va-left .va-panel{left:0}.va-label{display:none}}",
  ].join("");
  var CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 ' +
    '4V6a2 2 0 0 1 2-2z"/></svg>';
  var ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 ' +
    '3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z"/></svg>';

  function mount() {
    host = document.createElement("voice-agent-widget");
    host.style.setProperty("all", "initial", "important");
    var root = host.attachShadow({ mode: "closed" });
    var style = document.createElement("style");
    style.textContent = CSS;
    wrap = document.createElement("div");
    wrap.className = "va-root" + (SIDE === "left" ? " va-left" : "");
    paintBrand();
    button = document.createElement("button");
    button.type = "button";
    button.className = "va-button";
    button.setAttribute("aria-label", LABEL);
    button.setAttribute("aria-expanded", "false");
    button.innerHTML = ICON_NAME === "chat" ? CHAT : ICON;
    // The short label beside the button; the button's accessible name says the same.
    var label = document.createElement("span");
    label.className = "va-label";
    label.textContent = LABEL;
    label.setAttribute("aria-hidden", "true");
    label.addEventListener("click", function () { toggle(!open); });
    panel = document.createElement("div");
    panel.className = "va-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", t("page_title"));
    wrap.appendChild(panel);
    wrap.appendChild(button);
    wrap.appendChild(label);
    root.appendChild(style);
    root.appendChild(wrap);
    button.addEventListener("click", function () { toggle(!open); });
    button.addEventListener("pointerenter", prefetch);
    button.addEventListener("focus", prefetch);
    root.addEventListener("keydown", function (event) { if (event.key === "Escape" && open) toggle(false); });
    window.addEventListener("message", onMessage);
    document.body.appendChild(host);
  }

  if (!/^pk_[A-Za-z0-9_]+$/.test(KEY)) {
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
    if (window.console) console.warn(refusedLine(error));
  });
})();