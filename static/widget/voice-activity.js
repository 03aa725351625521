/* Voice you can see: which of four states a voice conversation is in, from the session's events, and an orb
 * whose size follows the real level (the microphone's while listening, the agent's voice while speaking).
 *
 *   listening  the microphone is open and quiet        hearing   the server's VAD hears the visitor
 *   thinking   the turn is committed, no answer yet    speaking  the agent's audio is playing
 *   muted      the visitor muted the microphone        off       no voice conversation
 *
 * Exposes window.VoiceActivity; needs a VoiceClient (client.js). `onChange(state)` is called on each change
 * (the widget passes it to the loader, so the launcher shows it while the panel is closed).
 */
(function () {
  "use strict";

  var t = window.VoiceStrings.t;
  var LABELS = {
    listening: t("voice_listening"), hearing: t("voice_hearing"), thinking: t("voice_thinking"),
    speaking: t("voice_speaking"), muted: t("voice_muted"), off: "",
  };

  function VoiceActivity(client, orb, onChange) {
    this.client = client;
    this.orb = orb; // an element whose --va-level and data-voice the CSS animates; may be null
    this.onChange = onChange || function () {};
    this.state = "off";
    this.awaiting = false; // a turn is committed or typed and no answer has started
    this.frame = 0;
    var self = this;
    var update = function () { self.update(); };
    client.on("client.state", update);
    client.on("client.voice", update);
    client.on("client.muted", update);
    client.on("client.playback", update);
    client.on("input_audio_buffer.speech_started", function () { self.hearing = true; self.update(); });
    client.on("input_audio_buffer.speech_stopped", function () { self.hearing = false; self.awaiting = true; self.update(); });
    client.on("input_audio_buffer.committed", function () { self.hearing = false; self.awaiting = true; self.update(); });
    client.on("client.sent", function (event) {
      if (event.type === "conversation.item.create" || event.type === "platform.action") {
        self.awaiting = true;
        self.update();
      }
    });
    client.on("platform.tool", function (event) {
      clearTimeout(self.settle);
      self.awaiting = true; // running, or finished: the tool's answer is being composed
      self.update();
    });
    client.on("response.output_audio.delta", function () { if (self.awaiting) { self.awaiting = false; self.update(); } });
    client.on("response.output_audio_transcript.delta", function () { self.awaiting = false; self.update(); });
    client.on("response.done", function (event) {
      var status = event.response && event.response.status;
      if (status !== "completed") self.awaiting = false;
      // A completed response that only called a tool is followed by the tool's answer (platform.tool says
      // so, sometimes a moment later): stay "thinking" briefly before falling back to listening.
      else if (self.awaiting) self.settle = setTimeout(function () { self.awaiting = false; self.update(); }, 1500);
      self.update();
    });
  }

  VoiceActivity.LABELS = LABELS;

  VoiceActivity.prototype.compute = function () {
    var client = this.client;
    if (client.state !== "live" || !client.voice) return "off";
    if (client.isPlaying()) return "speaking";
    if (this.hearing && !client.muted) return "hearing";
    if (this.awaiting || client.responseActive) return "thinking";
    return client.muted ? "muted" : "listening";
  };

  VoiceActivity.prototype.update = function () {
    var state = this.compute();
    if (state === "off") { this.hearing = false; this.awaiting = false; }
    if (this.orb) this.orb.setAttribute("data-voice", state);
    if (state !== this.state) {
      this.state = state;
      this.onChange(state, LABELS[state]);
    }
    if (state === "off") this.stopMeter();
    else this.startMeter();
  };

  /* The orb's size follows the level at the display's frame rate, only while a voice conversation runs. */
  VoiceActivity.prototype.startMeter = function () {
    if (this.frame || !this.orb) return;
    var self = this;
    var smoothed = 0;
    var tick = function () {
      var client = self.client;
      var raw = self.state === "speaking" ? client.outputLevel()
        : self.state === "listening" || self.state === "hearing" ? client.inputLevel : 0;
      smoothed = smoothed * 0.6 + raw * 0.4; // no jitter, still quick
      self.orb.style.setProperty("--va-level", smoothed.toFixed(3));
      self.orb.setAttribute("data-level", smoothed.toFixed(2));
      self.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  };

  VoiceActivity.prototype.stopMeter = function () {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.orb) this.orb.style.setProperty("--va-level", "0");
  };

  window.VoiceActivity = VoiceActivity;
})();
