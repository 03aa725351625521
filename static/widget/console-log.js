/* The console's event log: events grouped by turn (a turn starts when the visitor speaks or types), each
 * event expandable to its full body, the session's instructions shown as text, and per turn the time from
 * the visitor stopping to the first audio of the answer. */
(function () {
  "use strict";

  var MAX_EVENTS = 1500;
  var BODY_CHARS = 20000;
  var FIRST_OUTPUT = {
    "response.output_audio.delta": true,
    "response.output_text.delta": true,
    "response.output_audio_transcript.delta": true,
  };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function isAudio(type) {
    return type === "input_audio_buffer.append" || type === "response.output_audio.delta";
  }

  function shortened(event) {
    var copy = {};
    for (var name in event) {
      if (!Object.prototype.hasOwnProperty.call(event, name) || name === "type") continue;
      var value = event[name];
      // Audio payloads are noise in a log: show their size only.
      if ((name === "audio" || (name === "delta" && event.type === "response.output_audio.delta"))
          && typeof value === "string") value = "<" + Math.round(value.length * 0.75) + " bytes>";
      if (name === "html" && typeof value === "string") value = "<" + value.length + " chars of HTML>";
      copy[name] = value;
    }
    return copy;
  }

  /* The instructions of a session object anywhere in the event (session.update/updated, the config). */
  function instructionsOf(event) {
    var session = event.session || (event.data && event.data.session) || event.data;
    return session && typeof session.instructions === "string" ? session : null;
  }

  function body(event) {
    var copy = shortened(event);
    var session = instructionsOf(copy);
    var instructions = null;
    if (session) {
      instructions = session.instructions;
      session.instructions = "(shown as text below)";
    }
    var text = JSON.stringify(copy, null, 2);
    if (text.length > BODY_CHARS) text = text.slice(0, BODY_CHARS) + "\n…";
    if (session) session.instructions = instructions;
    return { json: text, instructions: instructions };
  }

  function create(list, options) {
    var turn = null;
    var turnNumber = 0;
    var count = 0;

    function newGroup(title) {
      var item = el("li", null, "turn");
      var details = el("details");
      details.open = true;
      var summary = el("summary");
      summary.appendChild(el("span", title, "turn-title"));
      var timing = summary.appendChild(el("span", "", "turn-timing"));
      details.appendChild(summary);
      var events = details.appendChild(el("ol", null, "turn-events"));
      item.appendChild(details);
      list.appendChild(item);
      // Older turns fold away so the newest stays in view.
      if (turn) turn.details.open = false;
      turn = { item: item, details: details, events: events, timing: timing, stoppedAt: null, answered: false };
      return turn;
    }

    function startsTurn(direction, event) {
      if (direction === "in" && event.type === "input_audio_buffer.speech_started") return true;
      return direction === "out" && event.type === "conversation.item.create";
    }

    function add(direction, event) {
      var now = performance.now();
      if (!turn) newGroup("Session start");
      if (startsTurn(direction, event)) {
        turnNumber += 1;
        newGroup("Turn " + turnNumber + (event.type === "conversation.item.create" ? " · typed" : " · spoken"));
        if (direction === "out") turn.stoppedAt = now;  // a typed message: the visitor "stopped" on send
      }
      if (event.type === "input_audio_buffer.speech_stopped") turn.stoppedAt = now;
      if (FIRST_OUTPUT[event.type] && turn.stoppedAt !== null && !turn.answered) {
        turn.answered = true;
        turn.timing.textContent = "first answer " + Math.round(now - turn.stoppedAt) + " ms after the visitor stopped";
      }
      var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 20;
      var item = el("li", null, event.type === "error" || event.level === "error" ? "err" : direction);
      var details = item.appendChild(el("details"));
      var line = new Date().toLocaleTimeString() + " " + (direction === "out" ? "→ " : "← ") + event.type +
        (event.kind ? " · " + event.kind : "") + (event.status ? " · " + event.status : "");
      details.appendChild(el("summary", line));
      details.addEventListener("toggle", function fill() {
        if (!details.open || details.childNodes.length > 1) return;
        var parts = body(event);
        details.appendChild(el("pre", parts.json));
        if (parts.instructions !== null) {
          details.appendChild(el("h4", "Instructions"));
          details.appendChild(el("pre", parts.instructions, "instructions"));
        }
      });
      item.audio = isAudio(event.type);
      item.searchText = (line + " " + JSON.stringify(shortened(event))).toLowerCase();
      options.applyFilter(item);
      turn.events.appendChild(item);
      count += 1;
      while (count > MAX_EVENTS && list.firstChild) {
        var first = list.firstChild.querySelector(".turn-events");
        if (first && first.firstChild) { first.removeChild(first.firstChild); count -= 1; }
        if (!first || !first.firstChild) list.removeChild(list.firstChild);
      }
      if (atBottom) list.scrollTop = list.scrollHeight;
    }

    function items() { return list.querySelectorAll(".turn-events > li"); }

    function clear() {
      list.textContent = "";
      turn = null;
      turnNumber = 0;
      count = 0;
    }

    return { add: add, items: items, clear: clear };
  }

  window.VaConsoleLog = { create: create };
})();
