// The console's one live connection: GET /v1/me/stream (server-sent events). Read with fetch, not EventSource,
// so the bearer token travels in a header rather than the URL; resumed with Last-Event-ID after a drop.
import { token, unauthorised } from "./api.js";
import { language } from "./i18n.js";

export function connect(handlers) {
  let stopped = false;
  let lastId = null;
  let retryMs = 1000;
  let controller = null;

  function dispatch(fields) {
    if (fields.id !== undefined) lastId = fields.id;
    if (fields.retry && /^\d+$/.test(fields.retry)) retryMs = Number(fields.retry);
    if (fields.data === undefined) return;
    const handler = handlers[fields.event || "message"];
    if (handler) handler(JSON.parse(fields.data));
  }

  async function run() {
    controller = new AbortController();
    const headers = { Accept: "text/event-stream", "Accept-Language": language(), Authorization: `Bearer ${token()}` };
    if (lastId) headers["Last-Event-ID"] = lastId;
    const response = await fetch("/v1/me/stream", { headers, signal: controller.signal, cache: "no-store" });
    if (response.status === 401) {
      stopped = true;
      unauthorised();
      return;
    }
    if (response.status === 400) lastId = null; // a cursor the server no longer accepts: start at the present
    if (!response.ok || !response.body) return;
    if (handlers.open) handlers.open();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let fields = {};
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          dispatch(fields);
          fields = {};
        } else if (!line.startsWith(":")) {
          const at = line.indexOf(":");
          const name = at < 0 ? line : line.slice(0, at);
          const text = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
          fields[name] = name === "data" && fields.data !== undefined ? `${fields.data}\n${text}` : text;
        }
      }
    }
  }

  async function loop() {
    while (!stopped) {
      try {
        await run();
      } catch {
        // A dropped connection: reconnect below, resuming after the last id.
      }
      if (!stopped) await new Promise((resolve) => window.setTimeout(resolve, retryMs));
    }
  }
  loop();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
