/**
 * Server-sent events from a fetch body (POST /chat cannot use EventSource, which only GETs). Follows the
 * WHATWG event-stream rules the Api's stream needs: `data:` lines joined by newlines, an event per blank
 * line, comments and other fields ignored. Never reconnects: a chat's stream is one reply.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  let buffer = "";
  let data: string[] = [];
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = nextLineEnd(buffer)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(buffer[newline] === "\r" && buffer[newline + 1] === "\n" ? newline + 2 : newline + 1);
        if (line === "") {
          if (data.length > 0) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line[5] === " " ? 6 : 5));
        }
      }
    }
    if (data.length > 0) yield data.join("\n");
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

function nextLineEnd(text: string): number {
  const lf = text.indexOf("\n");
  const cr = text.indexOf("\r");
  // A lone \r at the very end may be the first half of \r\n: wait for more.
  if (cr >= 0 && (lf < 0 || cr < lf)) return cr === text.length - 1 ? -1 : cr;
  return lf;
}
