/* Microphone → PCM16 24 kHz mono, posted to the main thread in fixed chunks (default 60 ms).
 * Browsers capture at 44.1/48 kHz (sometimes 16 kHz); `sampleRate` is the context's rate. */
"use strict";

const TARGET_RATE = 24000;

class Pcm24kProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const chunkMs = (options && options.processorOptions && options.processorOptions.chunkMs) || 60;
    this.ratio = sampleRate / TARGET_RATE; // input samples per output sample
    this.chunkSamples = Math.round((TARGET_RATE * chunkMs) / 1000);
    this.out = new Int16Array(this.chunkSamples);
    this.outLength = 0;
    // Downsampling: average each output sample's span of input (a box filter against aliasing).
    this.sum = 0;
    this.count = 0;
    this.position = 0;
    this.nextEdge = this.ratio;
    // Upsampling: linear interpolation between the previous and current input sample.
    this.previous = 0;
    this.fraction = 0;
  }

  push(value) {
    const clamped = value > 1 ? 1 : value < -1 ? -1 : value;
    this.out[this.outLength++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.outLength === this.chunkSamples) {
      const buffer = this.out.buffer;
      this.port.postMessage(buffer, [buffer]);
      this.out = new Int16Array(this.chunkSamples);
      this.outLength = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    if (this.ratio >= 1) {
      for (let i = 0; i < channel.length; i++) {
        this.sum += channel[i];
        this.count++;
        this.position += 1;
        if (this.position >= this.nextEdge) {
          this.push(this.sum / this.count);
          this.sum = 0;
          this.count = 0;
          this.nextEdge += this.ratio;
        }
      }
      if (this.position > 1e6) { // keep the float counters small and precise
        this.position -= 1e6;
        this.nextEdge -= 1e6;
      }
    } else {
      for (let i = 0; i < channel.length; i++) {
        const current = channel[i];
        while (this.fraction < 1) {
          this.push(this.previous + (current - this.previous) * this.fraction);
          this.fraction += this.ratio;
        }
        this.fraction -= 1;
        this.previous = current;
      }
    }
    return true;
  }
}

registerProcessor("pcm24k-capture", Pcm24kProcessor);
