/* The voice client shared by the widget page and the staff console.
 *
 * Speaks the platform's socket protocol, whose constants (path, subprotocols, close code, notice texts) the
 * page embeds from the server as JSON in #va-protocol (agents/protocol.py owns them):
 * microphone → AudioWorklet → PCM16 24 kHz → input_audio_buffer.append; response.output_audio.delta →
 * a queue of AudioBufferSources scheduled back to back; barge-in stops playback at once and truncates
 * the assistant item to what was actually heard. No dependencies; exposes window.VoiceClient (the
 * conversation view is conversation.js, the voice orb voice-activity.js).
 */
(function () {
  "use strict";

  var PCM_RATE = 24000;
  var PROTOCOL = JSON.parse(document.getElementById("va-protocol").textContent);
  var t = window.VoiceStrings.t;
  var BUSY_MESSAGE = t("notice.busy");

  function bytesToBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function base64ToBytes(b64) {
    var text = atob(b64);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function VoiceClient(options) {
    this.wsPath = options.wsPath || PROTOCOL.wsPath;
    this.getToken = options.getToken; // async (reason) => jwt; reason is "start" or "refresh"
    this.workletUrl = options.workletUrl;
    this.chunkMs = options.chunkMs || 60; // 40–100 ms per append: small enough for quick VAD
    this.listeners = {};
    this.state = "idle";
    this.socket = null;
    this.muted = false;
    this.voice = false;
    this.retried = false;
    this.refreshOnClose = false;
    this.responseActive = false;
    this.context = null;
    this.stream = null;
    this.worklet = null;
    this.inputLevel = 0; // 0..1, the microphone's latest chunk
    this.analyser = null;
    this.playHead = 0;
    this.segments = []; // {itemId, startAt, duration, source, stopped}
    this.finishedMs = {}; // itemId → ms of that item fully played
    this.truncated = {}; // itemId → true once truncated (late deltas of it are dropped)
    this.pendingEchoes = []; // texts shown locally, not yet confirmed by conversation.item.done
    this.assistantText = {}; // itemId → transcript so far
    this.resumeToken = null; // set before start() to continue an earlier session (the server decides)
  }

  VoiceClient.prototype.on = function (type, handler) {
    (this.listeners[type] = this.listeners[type] || []).push(handler);
    return this;
  };

  VoiceClient.prototype.emit = function (type, detail) {
    var handlers = (this.listeners[type] || []).concat(this.listeners["*"] || []);
    for (var i = 0; i < handlers.length; i++) {
      try { handlers[i](detail, type); } catch (err) { if (window.console) console.error(err); }
    }
  };

  VoiceClient.prototype.setState = function (state) {
    this.state = state;
    this.emit("client.state", { state: state });
  };

  /* Must be called from a user gesture (click/keypress) so autoplay policies let audio start. */
  VoiceClient.prototype.audioContext = function () {
    if (!this.context) {
      var Ctor = window.AudioContext || window.webkitAudioContext;
      this.context = new Ctor();
    }
    if (this.context.state === "suspended") this.context.resume();
    return this.context;
  };

  VoiceClient.prototype.start = function (opts) {
    var self = this;
    this.voice = !!(opts && opts.voice);
    this.retried = false;
    this.audioContext(); // synchronously, inside the gesture
    this.setState("connecting");
    // A refused or missing microphone never stops the conversation: it goes on as text at once.
    var micReady = this.voice ? this.startMicrophone().catch(function (err) {
      self.stopMicrophone();
      self.voice = false;
      self.emit("client.microphone", microphoneProblem(err));
    }) : Promise.resolve();
    return micReady.then(function () {
      return self.getToken("start");
    }).then(function (token) {
      self.open(token);
    }).catch(function (err) {
      self.stopMicrophone();
      self.setState("error");
      self.emit("client.error", { code: "start_failed",
                                  message: (err && err.message) || t("start_failed") });
    });
  };

  /* Turn the microphone on in a live text conversation (the visitor's "Try voice again"). */
  VoiceClient.prototype.startVoice = function () {
    var self = this;
    if (this.voice || this.state !== "live") return Promise.resolve(this.voice);
    this.audioContext();
    return this.startMicrophone().then(function () {
      self.voice = true;
      self.emit("client.voice", { voice: true });
      return true;
    }, function (err) {
      self.stopMicrophone();
      self.emit("client.microphone", microphoneProblem(err));
      return false;
    });
  };

  /* Why the microphone could not start, as {code, message} for one line in the widget. */
  function microphoneProblem(err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return { code: "microphone_denied", message: t("microphone_denied") };
    }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError") {
      return { code: "microphone_missing", message: t("microphone_missing") };
    }
    return { code: "microphone_unsupported", message: t("microphone_unsupported") };
  }

  VoiceClient.prototype.open = function (token) {
    var self = this;
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // The token rides in Sec-WebSocket-Protocol, never in the URL (URLs end up in logs).
    var protocols = [PROTOCOL.subprotocol, PROTOCOL.tokenPrefix + token];
    if (this.resumeToken) protocols.push(PROTOCOL.resumePrefix + this.resumeToken);
    var socket = new WebSocket(scheme + "//" + location.host + this.wsPath, protocols);
    this.socket = socket;
    this.refreshOnClose = false;
    this.opened = false;
    socket.onopen = function () { if (socket === self.socket) self.opened = true; };
    socket.onmessage = function (message) { self.handleMessage(message.data); };
    socket.onclose = function (event) { if (socket === self.socket) self.handleClose(event); };
  };

  VoiceClient.prototype.send = function (event) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(event));
    this.emit("client.sent", event);
    return true;
  };

  VoiceClient.prototype.handleMessage = function (raw) {
    var event;
    try { event = JSON.parse(raw); } catch (err) { return; }
    if (!event || typeof event.type !== "string") return;
    switch (event.type) {
      case "platform.session":
        this.resumeToken = null; // presented once: this socket's session carries on from here
        this.setState("live");
        break;
      case "input_audio_buffer.speech_started":
        this.interrupt(); // barge-in: silence the agent the moment the visitor speaks
        break;
      case "response.created":
        this.responseActive = true;
        break;
      case "response.done":
        this.responseActive = false;
        break;
      case "response.output_audio.delta":
        if (!this.truncated[event.item_id]) this.playDelta(event.item_id, event.delta);
        break;
      case "conversation.item.input_audio_transcription.completed":
        this.emit("transcript", { id: event.item_id, role: "user", text: event.transcript || "", final: true });
        break;
      case "conversation.item.done":
        this.userItemDone(event.item);
        break;
      case "response.output_audio_transcript.delta":
      case "response.output_text.delta":
        this.assistantDelta(event);
        break;
      case "response.output_audio_transcript.done":
      case "response.output_text.done":
        this.assistantDone(event);
        break;
      case "platform.notice":
        if (event.code === "token_expired") this.refreshOnClose = true;
        break;
      case "platform.ended":
        this.finish("ended");
        break;
    }
    this.emit(event.type, event);
  };

  VoiceClient.prototype.userItemDone = function (item) {
    if (!item || item.role !== "user" || !item.content) return;
    var text = item.content.filter(function (part) { return part.type === "input_text"; })
      .map(function (part) { return part.text || ""; }).join(" ");
    if (!text) return;
    var echoed = this.pendingEchoes.indexOf(text);
    if (echoed >= 0) { this.pendingEchoes.splice(echoed, 1); return; } // already shown when sent
    this.emit("transcript", { id: item.id, role: "user", text: text, final: true });
  };

  VoiceClient.prototype.assistantDelta = function (event) {
    var id = event.item_id || event.response_id || "assistant";
    this.assistantText[id] = (this.assistantText[id] || "") + (event.delta || "");
    this.emit("transcript", { id: id, role: "assistant", text: this.assistantText[id], final: false });
  };

  VoiceClient.prototype.assistantDone = function (event) {
    var id = event.item_id || event.response_id || "assistant";
    var text = event.transcript || event.text || this.assistantText[id] || "";
    delete this.assistantText[id];
    this.emit("transcript", { id: id, role: "assistant", text: text, final: true,
                              interrupted: !!this.truncated[id] });
  };

  VoiceClient.prototype.handleClose = function (event) {
    var self = this;
    // The server checks the token before the handshake completes: a socket that never opened was refused
    // (expired, already used, or its key changed).
    var refused = this.refreshOnClose || !this.opened;
    this.emit("client.closed", { code: event.code, reason: event.reason });
    if (refused && !this.retried && this.state !== "ended") {
      // The token expired or was refused: get a fresh one and reconnect, once.
      this.retried = true;
      this.setState("connecting");
      Promise.resolve(this.getToken("refresh")).then(function (token) { self.open(token); }, function (err) {
        self.emit("client.error", { code: "token_refresh_failed", message: (err && err.message) || BUSY_MESSAGE });
        self.finish("error");
      });
      return;
    }
    // A close for what was sent (1009: the server's own "message too large") may come without a notice first.
    var closeNotice = (PROTOCOL.closeNotices || {})[String(event.code)];
    if (event.code === PROTOCOL.closeRefused) {
      this.emit("platform.notice", { type: "platform.notice", level: "warning", code: "busy",
                                     message: BUSY_MESSAGE, retryable: true });
    } else if (closeNotice && this.state !== "ended") {
      this.emit("platform.notice", { type: "platform.notice", level: "error", code: closeNotice,
                                     message: t("notice." + closeNotice), retryable: false });
    } else if (event.code !== 1000 && this.state !== "ended") {
      this.emit("client.error", { code: "connection_lost", message: t("connection_lost") });
    }
    this.finish(event.code === 1000 || event.code === PROTOCOL.closeRefused ? "ended" : "error");
  };

  VoiceClient.prototype.finish = function (state) {
    this.stopPlayback(false);
    this.stopMicrophone();
    this.responseActive = false;
    if (this.state !== "ended" && this.state !== "error") this.setState(state);
  };

  /* End for good (the End button): the server records it, and the conversation is never continued. */
  VoiceClient.prototype.end = function () {
    this.send({ type: "platform.end" });
    this.setState("ended");
    this.stopPlayback(true);
    this.stopMicrophone();
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000, "visitor ended");
  };

  VoiceClient.prototype.sendText = function (text) {
    text = (text || "").trim();
    if (!text) return false;
    this.audioContext();
    this.interrupt();
    if (this.responseActive) this.send({ type: "response.cancel" });
    var sent = this.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text: text }] },
    });
    if (sent) {
      this.pendingEchoes.push(text);
      this.emit("transcript", { id: "local-" + Date.now(), role: "user", text: text, final: true });
    }
    return sent;
  };

  /* A card button, {callId, action, arguments}: the server checks it against the card and tells the agent;
   * `line` is what the visitor's side shows for the press (the server does not echo it). */
  VoiceClient.prototype.sendCardAction = function (action, line) {
    this.audioContext();
    this.interrupt();
    if (this.responseActive) this.send({ type: "response.cancel" });
    var sent = this.send({ type: "platform.action", callId: action.callId, action: action.action,
                          arguments: action.arguments || {} });
    if (sent) {
      this.emit("transcript", { id: "action-" + Date.now(), role: "user", text: line, final: true });
      this.emit("client.card-action", { action: action, line: line });
    }
    return sent;
  };

  /* "Still there?" answered: the server's idle clock starts again. */
  VoiceClient.prototype.keepAlive = function () {
    return this.send({ type: "platform.keepalive" });
  };

  VoiceClient.prototype.setMuted = function (muted) {
    this.muted = !!muted;
    if (this.stream) this.stream.getAudioTracks().forEach(function (t) { t.enabled = !muted; });
    this.emit("client.muted", { muted: this.muted });
  };

  // --- microphone ------------------------------------------------------------------------------------

  VoiceClient.prototype.startMicrophone = function () {
    var self = this;
    var context = this.audioContext();
    if (!navigator.mediaDevices || !context.audioWorklet) {
      return Promise.reject(new Error(t("microphone_unsupported")));
    }
    return navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    }).then(function (stream) {
      self.stream = stream;
      return context.audioWorklet.addModule(self.workletUrl);
    }).then(function () {
      var source = context.createMediaStreamSource(self.stream);
      var node = new AudioWorkletNode(context, "pcm24k-capture", {
        numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: "explicit",
        processorOptions: { chunkMs: self.chunkMs },
      });
      // A silent sink keeps the node pulled by the graph in every browser.
      var sink = context.createGain();
      sink.gain.value = 0;
      source.connect(node);
      node.connect(sink);
      sink.connect(context.destination);
      node.port.onmessage = function (message) {
        self.inputLevel = self.muted ? 0 : pcmLevel(message.data);
        if (self.muted || self.state !== "live") return;
        self.send({ type: "input_audio_buffer.append", audio: bytesToBase64(message.data) });
      };
      self.worklet = { node: node, source: source, sink: sink };
      self.setMuted(false);
    });
  };

  VoiceClient.prototype.stopMicrophone = function () {
    if (this.worklet) {
      this.worklet.node.port.onmessage = null;
      this.worklet.source.disconnect();
      this.worklet.node.disconnect();
      this.worklet.sink.disconnect();
      this.worklet = null;
    }
    this.inputLevel = 0;
    if (this.stream) {
      this.stream.getTracks().forEach(function (t) { t.stop(); });
      this.stream = null;
    }
  };

  /* 0..1 loudness of a PCM16 chunk: RMS on a rough log scale, so speech at normal volume fills the meter. */
  function pcmLevel(buffer) {
    var samples = new Int16Array(buffer);
    if (!samples.length) return 0;
    var sum = 0;
    for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    var rms = Math.sqrt(sum / samples.length) / 32768;
    return rms <= 0.002 ? 0 : Math.min(1, Math.log10(rms / 0.002) / 2);
  }

  /* 0..1 loudness of what the agent is saying right now (the playback analyser). */
  VoiceClient.prototype.outputLevel = function () {
    if (!this.analyser || !this.segments.length) return 0;
    var data = this.analyserData || (this.analyserData = new Float32Array(this.analyser.fftSize));
    this.analyser.getFloatTimeDomainData(data);
    var sum = 0;
    for (var i = 0; i < data.length; i++) sum += data[i] * data[i];
    var rms = Math.sqrt(sum / data.length);
    return rms <= 0.002 ? 0 : Math.min(1, Math.log10(rms / 0.002) / 2);
  };

  VoiceClient.prototype.playbackOutput = function (context) {
    if (!this.analyser) {
      this.analyser = context.createAnalyser();
      this.analyser.fftSize = 512;
      this.analyser.connect(context.destination);
    }
    return this.analyser;
  };

  // --- playback --------------------------------------------------------------------------------------

  VoiceClient.prototype.playDelta = function (itemId, b64) {
    if (!b64) return;
    var context = this.audioContext();
    var bytes = base64ToBytes(b64);
    var samples = bytes.length >> 1;
    if (!samples) return;
    var view = new DataView(bytes.buffer, bytes.byteOffset, samples * 2);
    var buffer = context.createBuffer(1, samples, PCM_RATE); // the browser resamples to the device rate
    var channel = buffer.getChannelData(0);
    for (var i = 0; i < samples; i++) channel[i] = view.getInt16(i * 2, true) / 32768;
    var source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.playbackOutput(context));
    // Back to back; a small lead on the first chunk avoids a click when the queue was empty.
    var startAt = Math.max(context.currentTime + 0.03, this.playHead);
    source.start(startAt);
    this.playHead = startAt + buffer.duration;
    var segment = { itemId: itemId, startAt: startAt, duration: buffer.duration, source: source, stopped: false };
    this.segments.push(segment);
    var self = this;
    source.onended = function () {
      if (segment.stopped) return;
      var ms = segment.duration * 1000;
      self.finishedMs[itemId] = (self.finishedMs[itemId] || 0) + ms;
      var index = self.segments.indexOf(segment);
      if (index >= 0) self.segments.splice(index, 1);
      if (!self.segments.length) self.emit("client.playback", { playing: false });
    };
    if (this.segments.length === 1) this.emit("client.playback", { playing: true });
  };

  VoiceClient.prototype.isPlaying = function () { return this.segments.length > 0; };

  /* Stop all queued audio; returns {itemId: msActuallyPlayed} for items cut short. */
  VoiceClient.prototype.stopPlayback = function (silent) {
    var cut = {};
    if (!this.segments.length) return cut;
    var context = this.context;
    // What reached the speakers lags currentTime by the output latency.
    var now = context ? context.currentTime - (context.outputLatency || 0) : 0;
    for (var i = 0; i < this.segments.length; i++) {
      var segment = this.segments[i];
      segment.stopped = true;
      var played = Math.min(Math.max(now - segment.startAt, 0), segment.duration) * 1000;
      if (!(segment.itemId in cut)) cut[segment.itemId] = this.finishedMs[segment.itemId] || 0;
      cut[segment.itemId] += played;
      try { segment.source.stop(); } catch (err) { /* already stopped */ }
    }
    this.segments = [];
    this.playHead = 0;
    if (!silent) this.emit("client.playback", { playing: false });
    return cut;
  };

  /* Barge-in: flush the queue now and tell the server how much of each cut item was heard. */
  VoiceClient.prototype.interrupt = function () {
    var cut = this.stopPlayback(false);
    for (var itemId in cut) {
      if (!Object.prototype.hasOwnProperty.call(cut, itemId)) continue;
      var audioEndMs = Math.floor(cut[itemId]);
      this.truncated[itemId] = true;
      this.send({ type: "conversation.item.truncate", item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });
    }
  };

  window.VoiceClient = VoiceClient;
  VoiceClient.BUSY_MESSAGE = BUSY_MESSAGE;
})();
