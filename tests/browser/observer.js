/* Test-only instrumentation, added to every frame by the browser tests (never served by the platform):
 * records what the widget's socket receives and sends, and how much agent audio was heard, in
 * window.__observed. The tests read the page through it and the DOM instead of a hook in production JS. */
(function () {
  "use strict";
  var observed = (window.__observed = { state: "idle", events: [], sent: [], notices: [], sessionId: null,
                                        playedMs: 0 });
  var NativeWebSocket = window.WebSocket;
  function ObservedWebSocket(url, protocols) {
    var socket = new NativeWebSocket(url, protocols);
    observed.state = "connecting";
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (err) { return; }
      observed.events.push(event.type);
      if (event.type === "platform.session") { observed.sessionId = event.sessionId; observed.state = "live"; }
      if (event.type === "platform.notice") observed.notices.push(event.code);
      if (event.type === "platform.ended") observed.state = "ended";
    });
    socket.addEventListener("close", function () { if (observed.state !== "live") return; observed.state = "closed"; });
    var send = socket.send;
    socket.send = function (data) {
      try { observed.sent.push(JSON.parse(data).type); } catch (err) { /* not JSON */ }
      return send.call(socket, data);
    };
    return socket;
  }
  ObservedWebSocket.prototype = NativeWebSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) { ObservedWebSocket[name] = NativeWebSocket[name]; });
  window.WebSocket = ObservedWebSocket;

  if (window.AudioBufferSourceNode) {
    var start = AudioBufferSourceNode.prototype.start;
    // Counts what was heard: from the scheduled start to the node's end (played out, or stopped early).
    AudioBufferSourceNode.prototype.start = function (when) {
      var node = this, context = this.context;
      var at = Math.max(when || 0, context.currentTime);
      node.addEventListener("ended", function () {
        var heard = Math.min(node.buffer ? node.buffer.duration : 0, Math.max(0, context.currentTime - at));
        observed.playedMs += heard * 1000;
      });
      return start.apply(this, arguments);
    };
  }
})();
