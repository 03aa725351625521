/* The staff console: pick a tenant and agent, talk through the same VoiceClient the widget uses, and
 * watch everything: event log, transcript, tool calls, usage, the config sent, and stored sessions. */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var root = $("console");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var tenants = [];
  var client = null;
  var transcript = null;
  var voiceMode = false;
  var toolRows = {};

  function api(method, path, body) {
    return fetch("/api" + path, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error((data.error && data.error.message) || "Request failed (" + response.status + ")");
        return data;
      });
    });
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function pretty(value) {
    if (value === undefined || value === null) return "";
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  }

  function when(value) {
    return value ? new Date(value).toLocaleString() : "";
  }

  // --- pickers -----------------------------------------------------------------------------------------

  function selectedTenant() {
    var id = Number($("tenant").value);
    return tenants.filter(function (t) { return t.id === id; })[0];
  }

  function fillAgents() {
    var tenant = selectedTenant();
    var select = $("agent");
    select.textContent = "";
    (tenant ? tenant.agents : []).forEach(function (agent) {
      var option = el("option", agent.name + (agent.active ? "" : " (inactive)"));
      option.value = agent.id;
      select.appendChild(option);
    });
    // The agent last used with this tenant, else its first active agent.
    var remembered = tenant && (localStorage.getItem("console.agent." + tenant.id) || localStorage.getItem("console.agent"));
    var active = tenant && tenant.agents.filter(function (a) { return a.active; })[0];
    if (remembered && select.querySelector('option[value="' + Number(remembered) + '"]')) select.value = String(Number(remembered));
    else if (active) select.value = String(active.id);
    showModelNotice();
    showBudgetNotice(selectedTenant() ? selectedTenant().budgetAlert : "");
    loadSessions();
  }

  // A tenant past 80 % of its daily or monthly budget is named above the controls (refreshed by usage).
  function showBudgetNotice(text) {
    var notice = $("budget-notice");
    notice.textContent = text || "";
    notice.hidden = !notice.textContent;
  }

  // A model near or past its shutdown (from the model catalogue) is named above the controls.
  function showModelNotice() {
    var tenant = selectedTenant();
    var id = Number($("agent").value);
    var agent = (tenant ? tenant.agents : []).filter(function (a) { return a.id === id; })[0];
    var notice = $("model-notice");
    notice.textContent = agent && agent.modelNotice ? agent.modelNotice : "";
    notice.hidden = !notice.textContent;
  }

  function loadTenants() {
    api("GET", "/console/tenants").then(function (list) {
      tenants = list;
      var select = $("tenant");
      list.forEach(function (tenant) {
        var option = el("option", tenant.name + (tenant.active ? "" : " (inactive)"));
        option.value = tenant.id;
        select.appendChild(option);
      });
      // A permalink's tenant first, then the one used last, else the first tenant that has an agent.
      var linked = new URLSearchParams(location.search).get("tenant");
      var remembered = localStorage.getItem("console.tenant");
      var withAgent = list.filter(function (t) { return t.agents.some(function (a) { return a.active; }); })[0];
      var pick = [linked, remembered, withAgent && String(withAgent.id)].filter(function (id) {
        return id && select.querySelector('option[value="' + Number(id) + '"]');
      })[0];
      if (pick) select.value = String(Number(pick));
      if (!list.length) $("status").textContent = "You have no rights to any tenant yet (ask an admin).";
      fillAgents();
    }, function (err) { $("status").textContent = err.message; });
  }

  $("tenant").addEventListener("change", function () {
    localStorage.setItem("console.tenant", $("tenant").value);
    fillAgents();
  });
  $("agent").addEventListener("change", function () {
    var tenant = selectedTenant();
    if (tenant) localStorage.setItem("console.agent." + tenant.id, $("agent").value);
    showModelNotice();
  });

  // --- event log ---------------------------------------------------------------------------------------

  // Grouped by turn, each event expandable (console-log.js); the filter hides events, never whole turns.
  function applyFilter(item) {
    var filter = $("log-filter").value.trim().toLowerCase();
    var audioOk = $("log-audio").checked || !item.audio;
    item.hidden = !audioOk || Boolean(filter && item.searchText.indexOf(filter) < 0);
  }

  var eventLog = window.VaConsoleLog.create($("log"), { applyFilter: applyFilter });

  function log(direction, event) { eventLog.add(direction, event); }

  function refilter() { Array.prototype.forEach.call(eventLog.items(), applyFilter); }
  $("log-filter").addEventListener("input", refilter);
  $("log-audio").addEventListener("change", refilter);
  $("log-clear").addEventListener("click", function () { eventLog.clear(); });

  // --- tools, usage, config ----------------------------------------------------------------------------

  function toolRow(key, tool) {
    if (toolRows[key]) return toolRows[key];
    var row = el("tr");
    var cells = { tool: el("td", tool), status: el("td"), ms: el("td"), args: el("td"), result: el("td") };
    cells.args.appendChild(el("pre"));
    cells.result.appendChild(el("pre"));
    ["tool", "status", "ms", "args", "result"].forEach(function (name) { row.appendChild(cells[name]); });
    $("tools").tBodies[0].appendChild(row);
    toolRows[key] = cells;
    return cells;
  }

  function onTool(event) {
    var cells = toolRow(event.callId || event.tool, event.tool);
    cells.status.textContent = event.status;
    cells.status.className = "status-" + event.status;
    if (event.latencyMs !== undefined) cells.ms.textContent = Math.round(event.latencyMs);
  }

  function onDebug(event) {
    var data = event.data || {};
    if (event.kind === "config") {
      // The instructions as the model reads them (text, not an escaped JSON string), then the rest.
      var session = data.session || data;
      var instructions = typeof session.instructions === "string" ? session.instructions : null;
      var rest = JSON.parse(JSON.stringify(data));
      if (instructions !== null) (rest.session || rest).instructions = "(above)";
      $("config").textContent = (instructions !== null ? instructions + "\n\n— the rest of the config —\n" : "") + pretty(rest);
    } else if (event.kind === "tool") {
      var key = data.callId || event.callId;
      if (!key) { // match the newest row of this tool still lacking its arguments
        for (var k in toolRows) if (toolRows[k].tool.textContent === data.tool && !toolRows[k].filled) key = k;
      }
      var cells = toolRow(key || data.tool, data.tool);
      cells.filled = true;
      cells.args.firstChild.textContent = pretty(data.arguments);
      cells.result.firstChild.textContent = pretty(data.result);
      if (data.status) { cells.status.textContent = data.status; cells.status.className = "status-" + data.status; }
      if (data.latencyMs !== undefined) cells.ms.textContent = Math.round(data.latencyMs);
    } else if (event.kind === "usage") {
      renderUsage(data);
    }
  }

  // The session's running total (every response counted so far), its tokens by kind, and the tenant's
  // spend today against its daily budget.
  function renderUsage(data) {
    var usage = $("usage");
    var session = data.session || {};
    var today = data.today || {};
    showBudgetNotice(today.alert);
    var tokens = session.tokens || {};
    function row(term, value) { usage.appendChild(el("dt", term)); usage.appendChild(el("dd", value)); }
    usage.textContent = "";
    row("Session", "$" + Number(session.dollars || 0).toFixed(4) + " over " + (session.responses || 0) +
      (session.responses === 1 ? " response" : " responses"));
    Object.keys(tokens).forEach(function (kind) {
      if (kind !== "total" && tokens[kind]) row(kind.replace(/_/g, " ") + " tokens", String(tokens[kind]));
    });
    row("Total tokens", String(tokens.total || 0));
    if (today.spentUsd === null || today.spentUsd === undefined) {
      row("Tenant today", "unknown (budget counter unavailable) of $" + Number(today.budgetUsd || 0).toFixed(2));
    } else {
      var percent = today.budgetUsd > 0 ? 100 * today.spentUsd / today.budgetUsd : null;
      var share = percent === null ? "" : " (" + (percent > 0 && percent < 1 ? "< 1" : Math.round(percent)) + " %)";
      row("Tenant today", "$" + Number(today.spentUsd).toFixed(4) + " of $" + Number(today.budgetUsd).toFixed(2) + share);
    }
    if (today.monthBudgetUsd !== null && today.monthBudgetUsd !== undefined && today.monthSpentUsd !== null) {
      row("Tenant this month", "$" + Number(today.monthSpentUsd).toFixed(2) + " of $" +
        Number(today.monthBudgetUsd).toFixed(2));
    }
  }

  function resetPanels() {
    toolRows = {};
    $("tools").tBodies[0].textContent = "";
    $("usage").textContent = "";
    $("config").textContent = "(starts with the session)";
  }

  // --- talking -----------------------------------------------------------------------------------------

  var currentAgentId = null;

  function getToken() {
    return api("POST", "/console/token", { agent_id: currentAgentId }).then(function (data) {
      client.wsPath = data.wsPath; // the socket path comes with the token, as the widget's bootstrap has it
      return data.token;
    });
  }

  function setStatus() {
    var state = client.state;
    var live = state === "live" || state === "connecting";
    $("status").textContent = { idle: "", connecting: "Connecting…", live: voiceMode ? (client.muted ? "Live (muted)" : "Live: speak any time") : "Live (text)",
                                ended: "Session ended.", error: "Disconnected." }[state] || state;
    $("end").disabled = !live;
    $("mute").disabled = !live || !voiceMode;
    $("start-voice").disabled = live;
    $("start-text").disabled = live;
    $("tenant").disabled = live;
    $("agent").disabled = live;
    if (state === "ended" || state === "error") setTimeout(loadSessions, 800);
  }

  function makeClient() {
    client = new VoiceClient({ getToken: getToken, workletUrl: root.dataset.worklet });
    transcript = new VoiceTranscript($("transcript"), client);
    client.on("*", function (event, type) {
      if (type.indexOf("client.") === 0 || type === "transcript") return;
      log("in", event);
    });
    client.on("client.sent", function (event) { log("out", event); });
    client.on("client.state", setStatus);
    client.on("client.muted", function (event) {
      $("mute").setAttribute("aria-pressed", String(event.muted));
      $("mute").textContent = event.muted ? "Unmute" : "Mute";
      setStatus();
    });
    client.on("client.error", function (event) {
      transcript.notice(event.message, "error");
      log("in", { type: "client.error", code: event.code, message: event.message });
    });
    client.on("client.closed", function (event) { log("in", { type: "socket.closed", code: event.code, reason: event.reason }); });
    client.on("platform.session", function (event) { $("simulator").hidden = !event.simulator; });
    client.on("platform.notice", function (event) { transcript.notice(event.message, event.level); });
    client.on("platform.tool", onTool);
    client.on("platform.debug", onDebug);
  }

  function start(voice) {
    currentAgentId = Number($("agent").value);
    if (!currentAgentId) { $("status").textContent = "Choose an agent first."; return; }
    voiceMode = voice;
    if (!client) makeClient();
    resetPanels();
    transcript.notice("New session with " + $("agent").selectedOptions[0].textContent, "info");
    client.start({ voice: voice });
    $("text-input").focus();
  }

  $("start-voice").addEventListener("click", function () { start(true); });
  $("start-text").addEventListener("click", function () { start(false); });
  $("mute").addEventListener("click", function () { client.setMuted(!client.muted); });
  $("end").addEventListener("click", function () { client.end(); });
  $("text-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (client && client.sendText($("text-input").value)) $("text-input").value = "";
  });

  // --- stored sessions: console-sessions.js browses them; it hears which tenant is chosen -------------

  function loadSessions() {
    var tenant = selectedTenant();
    document.dispatchEvent(new CustomEvent("va:console-tenant", { detail: { tenantId: tenant ? tenant.id : null } }));
  }


  loadTenants();
})();
