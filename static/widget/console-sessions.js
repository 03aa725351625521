/* The console's sessions browser: filters, word search, pages, one session's detail, a permalink per
 * session (?tenant=ID&session=SID) and its export. console-app.js tells it the chosen tenant. */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var tenantId = null;
  var page = 1;
  var linked = new URLSearchParams(location.search).get("session");

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function get(path, params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (name) {
      if (params[name] !== "" && params[name] !== null && params[name] !== undefined) query.set(name, params[name]);
    });
    return fetch("/api" + path + "?" + query.toString(), { credentials: "same-origin" }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var detail = data.detail && data.detail[0] ? ": " + data.detail[0].loc.slice(-1)[0] + " " + data.detail[0].msg : "";
          throw new Error((data.error && data.error.message) || "Request failed (" + response.status + ")" + detail);
        }
        return data;
      });
    });
  }

  function when(value) { return value ? new Date(value).toLocaleString() : ""; }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    var s = Math.round(seconds);
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  function pretty(value) {
    if (value === undefined || value === null) return "";
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  }

  function filters() {
    return {
      tenant_id: tenantId,
      agent_id: $("filter-agent").value,
      channel: $("filter-channel").value,
      end_reason: $("filter-reason").value,
      user: $("filter-user").value.trim(),
      date_from: $("filter-from").value,
      date_to: $("filter-to").value,
      q: $("filter-text").value.trim(),
      page: page,
    };
  }

  function fillSelect(select, options, allLabel) {
    select.textContent = "";
    var all = el("option", allLabel);
    all.value = "";
    select.appendChild(all);
    options.forEach(function (option) {
      var node = el("option", option.label);
      node.value = option.value;
      select.appendChild(node);
    });
  }

  function loadFilters() {
    return get("/console/session-filters", { tenant_id: tenantId }).then(function (data) {
      fillSelect($("filter-agent"), data.agents.map(function (a) { return { value: a.id, label: a.name }; }), "All agents");
      fillSelect($("filter-channel"), data.channels, "Both channels");
      fillSelect($("filter-reason"), data.endReasons, "Any end");
    });
  }

  function cell(row, value) { row.appendChild(el("td", value)); }

  function loadSessions() {
    var body = $("sessions").tBodies[0];
    var status = $("sessions-status");
    if (!tenantId) { body.textContent = ""; status.textContent = ""; return; }
    status.textContent = "Loading…";
    get("/console/session-search", filters()).then(function (data) {
      body.textContent = "";
      data.items.forEach(function (session) {
        var row = el("tr");
        row.tabIndex = 0;
        row.dataset.session = session.sessionId;
        cell(row, when(session.startedAt));
        cell(row, session.agent);
        cell(row, session.channel === "console" ? "Console" : "Website");
        cell(row, session.endReasonText);
        cell(row, duration(session.durationSeconds));
        cell(row, session.identified ? "yes" : "");
        cell(row, session.usage.totalTokens);
        cell(row, "$" + session.usage.dollars.toFixed(4));
        var openIt = function () { openSession(session.sessionId); };
        row.addEventListener("click", openIt);
        row.addEventListener("keydown", function (event) { if (event.key === "Enter") openIt(); });
        body.appendChild(row);
      });
      if (!data.items.length) {
        var empty = body.appendChild(el("tr")).appendChild(el("td", "No session matches these filters."));
        empty.colSpan = 8;
      }
      status.textContent = data.total + " session" + (data.total === 1 ? "" : "s") + " · page " + data.page + " of " + data.pages;
      $("sessions-prev").disabled = data.page <= 1;
      $("sessions-next").disabled = data.page >= data.pages;
    }, function (err) {
      body.textContent = "";
      status.textContent = err.message;
    });
  }

  function permalink(sessionId) {
    return location.origin + location.pathname + "?tenant=" + tenantId + "&session=" + encodeURIComponent(sessionId);
  }

  function term(list, name, value, className) {
    list.appendChild(el("dt", name));
    list.appendChild(el("dd", value, className));
  }

  function sessionLink(list, name, sessionId) {
    list.appendChild(el("dt", name));
    var link = list.appendChild(el("dd")).appendChild(el("a", "Session " + sessionId));
    link.href = permalink(sessionId);
    link.addEventListener("click", function (event) { event.preventDefault(); openSession(sessionId); });
  }

  function openSession(sessionId) {
    var detail = $("session-detail");
    detail.textContent = "Loading…";
    var forTenant = tenantId;
    history.replaceState(null, "", permalink(sessionId));
    get("/console/sessions/" + encodeURIComponent(sessionId), { tenant_id: forTenant }).then(function (data) {
      var s = data.session;
      detail.textContent = "";
      var head = detail.appendChild(el("div", null, "detail-head"));
      head.appendChild(el("h3", "Session " + s.sessionId));
      var link = head.appendChild(el("a", "Permalink", "va-secondary button-link"));
      link.href = permalink(s.sessionId);
      link.id = "session-permalink";
      ["json", "md"].forEach(function (format) {
        var a = head.appendChild(el("a", format === "json" ? "Export JSON" : "Export Markdown", "va-secondary button-link"));
        a.href = "/api/console/sessions/" + encodeURIComponent(s.sessionId) + "/export?tenant_id=" + forTenant + "&format=" + format;
        a.setAttribute("download", "");
        a.id = "export-" + format;
      });

      var facts = detail.appendChild(el("dl", null, "facts"));
      term(facts, "Started", when(s.startedAt));
      term(facts, "Duration", duration(s.durationSeconds) || "–");
      term(facts, "Ended", s.endReasonText);
      term(facts, "Agent", s.agent + " · " + (s.model || "") + (s.simulator ? " · simulator" : ""));
      // A session whose agent named a retired model ran on its successor (usage/catalogue.py).
      (s.modelSwitches || []).forEach(function (text) { term(facts, "Model replaced", text); });
      term(facts, "Channel", s.channel === "console" ? "Staff console" : "Website widget");
      term(facts, "Came from", s.origin || "Not recorded");
      // A conversation continued after the visitor changed page: links both ways (agents/resume.py).
      if (s.resumedFrom) sessionLink(facts, "Continues", s.resumedFrom);
      if (s.resumedBy) sessionLink(facts, "Continued in", s.resumedBy);
      term(facts, "Visitor", s.identified ? "Identified" : "Anonymous");
      var kinds = Object.keys(s.usage.byKind || {}).filter(function (k) { return s.usage.byKind[k]; });
      term(facts, "Usage", "$" + s.usage.dollars.toFixed(4) + " · " + s.usage.totalTokens + " tokens in " + s.usage.responses +
        " responses" + (kinds.length ? " (" + kinds.map(function (k) { return k.replace("_", " ") + " " + s.usage.byKind[k]; }).join(", ") + ")" : ""));
      if (data.chain) term(facts, "Transcript", data.chain.text, data.chain.intact ? "status-ok" : "status-error");
      if (data.cards.length) term(facts, "Cards shown", data.cards.join(", "));

      if (data.problems && data.problems.length) {
        // What the AI service refused or failed in this session, with its own words (staff only).
        detail.appendChild(el("h3", "Problems"));
        var problems = detail.appendChild(el("ul", null, "va-problems"));
        data.problems.forEach(function (problem) {
          var item = problems.appendChild(el("li", null, "status-error"));
          item.appendChild(el("strong", problem.text));
          item.appendChild(el("span", " · " + problem.code + (problem.detail ? " · " + problem.detail : "")));
        });
      }

      detail.appendChild(el("h3", "Transcript"));
      var lines = detail.appendChild(el("div", null, "va-transcript stored"));
      data.transcript.forEach(function (line) {
        var p = el("p", null, "va-line va-" + line.role);
        p.appendChild(el("span", (line.role === "user" ? "Visitor" : line.role === "assistant" ? "Agent" : line.role) + ": ", "va-who"));
        p.appendChild(el("span", line.text));
        lines.appendChild(p);
      });
      if (!data.transcript.length) lines.appendChild(el("p", "No transcript stored."));

      detail.appendChild(el("h3", "Tool calls"));
      var wrap = detail.appendChild(el("div", null, "table-wrap"));
      var table = wrap.appendChild(el("table", null, "fixed"));
      var headRow = table.appendChild(el("thead")).appendChild(el("tr"));
      ["Tool", "Status", "HTTP", "ms", "Arguments", "Result", "Card"].forEach(function (h) { headRow.appendChild(el("th", h)); });
      var tbody = table.appendChild(el("tbody"));
      data.toolLogs.forEach(function (entry) {
        var row = tbody.appendChild(el("tr"));
        cell(row, entry.tool);
        cell(row, entry.status + (entry.errorClass ? " (" + entry.errorClass + ")" : ""));
        cell(row, entry.httpStatus || "");
        cell(row, entry.latencyMs !== null ? Math.round(entry.latencyMs) : "");
        row.appendChild(el("td")).appendChild(el("pre", pretty(entry.arguments)));
        row.appendChild(el("td")).appendChild(el("pre", pretty(entry.result)));
        cell(row, entry.visual || "");
      });
      if (!data.toolLogs.length) tbody.appendChild(el("tr")).appendChild(el("td", "No tool calls.")).colSpan = 7;
    }, function (err) { detail.textContent = err.message; });
  }

  $("sessions-filters").addEventListener("submit", function (event) {
    event.preventDefault();
    page = 1;
    loadSessions();
  });
  $("sessions-filters").addEventListener("reset", function () {
    setTimeout(function () { page = 1; loadSessions(); }, 0);
  });
  $("sessions-refresh").addEventListener("click", loadSessions);
  $("sessions-prev").addEventListener("click", function () { page = Math.max(1, page - 1); loadSessions(); });
  $("sessions-next").addEventListener("click", function () { page += 1; loadSessions(); });

  document.addEventListener("va:console-tenant", function (event) {
    var changed = event.detail.tenantId !== tenantId;
    tenantId = event.detail.tenantId;
    if (!tenantId) return loadSessions();
    if (!changed) return loadSessions();  // a session just ended: refresh the list, keep the filters
    page = 1;
    $("session-detail").textContent = "";
    loadFilters().then(loadSessions, loadSessions);
    if (linked) {
      openSession(linked);
      linked = null;
    }
  });
})();
