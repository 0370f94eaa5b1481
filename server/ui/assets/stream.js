// stream.js: Server-Sent Events read with fetch(), because EventSource
// cannot send an Authorization header. Parses the SSE wire format (id:,
// event:, data:, ":" comments, a blank line ends an event), resumes with
// Last-Event-ID, and reconnects with backoff (0.5 s doubling to 10 s).
// States: 'live', 'reconnecting' (the stream ended or was refused),
// 'offline' (the server cannot be reached, or the stream is stopped).

const MIN_DELAY = 500;
const MAX_DELAY = 10000;
// The server sends a keep-alive every 15 s: this long without a byte means
// the connection died silently (a laptop slept, a proxy dropped it), so it
// is dropped and opened again with Last-Event-ID.
const SILENCE_MS = 45000;

export class LiveStream {
  // url; headers(): extra request headers; onEvent(event object);
  // onResync(reason): state may have been missed, re-read it;
  // onState(state); onUnauthorized(message).
  constructor({ url, headers, onEvent, onResync, onState, onUnauthorized }) {
    Object.assign(this, { url, headers, onEvent, onResync, onState, onUnauthorized });
    this.lastId = null;
    this.running = false;
    this.state = null;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    if (this.controller) this.controller.abort();
    if (this.wake) this.wake();
    this.setState('offline');
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => { clearTimeout(timer); resolve(); };
    });
  }

  async loop() {
    let delay = MIN_DELAY;
    while (this.running) {
      let unreachable = false;
      this.controller = new AbortController();
      try {
        const headers = { Accept: 'text/event-stream', ...this.headers() };
        if (this.lastId) headers['Last-Event-ID'] = this.lastId;
        let res;
        try {
          res = await fetch(this.url, { headers, signal: this.controller.signal, cache: 'no-store' });
        } catch (err) {
          unreachable = true;
          throw err;
        }
        if (res.status === 401 || res.status === 403) {
          let message = 'the token was refused';
          try { message = (await res.json()).error.message || message; } catch { /* keep */ }
          this.running = false;
          this.setState('offline');
          this.onUnauthorized(message);
          return;
        }
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        this.setState('live');
        delay = MIN_DELAY;
        // Without a resume id, events committed before this connection
        // (while the view was reading) are not replayed: re-read once.
        if (!this.lastId) this.onResync('connected');
        await this.read(res.body);
      } catch (err) {
        if (!this.running) return;
      }
      if (!this.running) return;
      this.setState(unreachable ? 'offline' : 'reconnecting');
      await this.sleep(delay);
      delay = Math.min(delay * 2, MAX_DELAY);
    }
  }

  async read(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    this.resetEvent();
    let watchdog = null;
    const watch = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => this.controller.abort(), SILENCE_MS);
    };
    try {
      watch();
      await this.readChunks(reader, decoder, watch);
    } finally {
      clearTimeout(watchdog);
    }
  }

  async readChunks(reader, decoder, watch) {
    let buffer = '';
    let first = true;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      watch();
      buffer += decoder.decode(value, { stream: true });
      if (first && buffer.length) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      let pos = 0;
      for (;;) {
        let end = -1;
        let next = -1;
        for (let i = pos; i < buffer.length; i++) {
          const c = buffer.charCodeAt(i);
          if (c === 10) { end = i; next = i + 1; break; }
          if (c === 13) {
            if (i + 1 === buffer.length) break; // CR LF may be split: wait
            end = i;
            next = buffer.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
            break;
          }
        }
        if (end < 0) break;
        this.line(buffer.slice(pos, end));
        pos = next;
      }
      buffer = buffer.slice(pos);
    }
  }

  resetEvent() {
    this.eventType = '';
    this.data = [];
  }

  line(text) {
    if (text === '') return this.dispatch();
    if (text[0] === ':') return undefined; // comment (keep-alive)
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.idBuffer = value;
    return undefined;
  }

  dispatch() {
    if (this.idBuffer !== undefined) this.lastId = this.idBuffer;
    const type = this.eventType || 'message';
    const data = this.data;
    this.resetEvent();
    if (data.length === 0) return;
    if (type === 'gap' || type === 'reset') {
      this.onResync(type);
      return;
    }
    let event;
    try { event = JSON.parse(data.join('\n')); } catch { return; }
    if (event && typeof event === 'object') {
      if (!event.type) event.type = type;
      this.onEvent(event);
    }
  }
}
