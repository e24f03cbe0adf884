import type { components } from "./generated/api.js";
import { ZmartyError } from "./errors.js";
import { readEvents } from "./sse.js";

type Schemas = components["schemas"];
export type ChatRequest = Schemas["ChatRequestDocument"];
export type ChatReply = Schemas["ChatResponse"];
export type ChatEvent = Schemas["ChatStreamEvent"];
export type ChatDone = Extract<ChatEvent, { type: "done" }>;
export type Profile = Schemas["Profile"];
export type CreditBalance = Schemas["CreditBalance"];
export type LedgerPage = Schemas["LedgerPage"];
export type WatchedSymbol = Schemas["Symbol"];
export type NewSymbol = Schemas["NewSymbol"];
export type SignalsReply = Schemas["SignalsReply"];
export type Conversation = Schemas["Conversation"];
export type ConversationPage = Schemas["ConversationPage"];
export type ConversationMessage = Schemas["ConversationMessage"];
export type MessagePage = Schemas["MessagePage"];
export type ConversationChange = Schemas["ConversationChange"];

export interface ZmartyClientOptions {
  /** The Api's address, such as `https://api.zmarty.app`. */
  baseUrl: string | URL;
  /**
   * The signed-in user's Supabase access token, asked for before every request so a refreshed session is used:
   * with supabase-js, `async () => (await supabase.auth.getSession()).data.session?.access_token`.
   */
  getAccessToken: () => string | null | undefined | Promise<string | null | undefined>;
  /** Another fetch (a test's, a server's); the global one by default. */
  fetch?: typeof fetch;
  /** Times a request that got no answer (a network error) is sent again with the same Idempotency-Key. Default 2. */
  retries?: number;
  /** The first wait before such a retry, doubled each time. Default 250 ms. */
  retryDelayMs?: number;
}

export interface SendOptions {
  /** Cancels the request; for a stream, stops reading and closes the connection (the Api charges what was generated). */
  signal?: AbortSignal;
}

export interface ChatOptions extends SendOptions {
  /**
   * Makes the chat safe to send again: the Api answers a repeat with the first result and charges once. One is made
   * per call when not given; pass your own to retry a call yourself (after a 503, or a stream cut short).
   */
  idempotencyKey?: string;
}

/** Zmarty's API for the owner's frontend: every call authenticated, every error a {@link ZmartyError}. */
export class ZmartyClient {
  readonly #baseUrl: URL;
  readonly #getAccessToken: ZmartyClientOptions["getAccessToken"];
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #retryDelayMs: number;

  constructor(options: ZmartyClientOptions) {
    this.#baseUrl = new URL(options.baseUrl);
    this.#getAccessToken = options.getAccessToken;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
  }

  /** A chat answered as one JSON reply: text, usage, `credits_charged`, `credits_remaining`, and `audio_url` for voice. */
  async chat(request: ChatRequest, options: ChatOptions = {}): Promise<ChatReply> {
    const response = await this.#chatResponse({ ...request, stream: false }, options);
    return (await response.json()) as ChatReply;
  }

  /**
   * A chat streamed as it is written: `start`, then `token`s, possibly an `error` (the provider broke off, or the
   * reply ran out of time: what was delivered is charged), and `done` with the charge. Errors before the first
   * token are thrown as {@link ZmartyError}. The stream is never reconnected; send the same request with the same
   * `idempotencyKey` through {@link chat} to get a reply whose stream was cut short.
   */
  async *streamChat(request: ChatRequest, options: ChatOptions = {}): AsyncGenerator<ChatEvent, ChatDone | undefined> {
    const response = await this.#chatResponse({ ...request, stream: true }, options);
    if (!response.body) throw new ZmartyError(response.status, { message: "The chat's stream has no body." });
    let done: ChatDone | undefined;
    try {
      for await (const data of readEvents(response.body, options.signal)) {
        const event = JSON.parse(data) as ChatEvent;
        if (event.type === "done") done = event as ChatDone;
        yield event;
      }
    } catch (error) {
      if (options.signal?.aborted) return done;
      throw error instanceof ZmartyError ? error : ZmartyError.network(error);
    }
    return done;
  }

  /** The caller's profile: tier, its limits and features. */
  profile(options?: SendOptions): Promise<Profile> {
    return this.#json("GET", "/me/profile", undefined, options);
  }

  /** Balance, held and available credits. */
  credits(options?: SendOptions): Promise<CreditBalance> {
    return this.#json("GET", "/me/credits", undefined, options);
  }

  /** A page of the credit history, newest first; pass the page's `next_before` as `before` for the next one. */
  ledger(page: { limit?: number; before?: number | null } = {}, options?: SendOptions): Promise<LedgerPage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set("limit", String(page.limit));
    if (page.before != null) query.set("before", String(page.before));
    const suffix = query.size > 0 ? `?${query}` : "";
    return this.#json("GET", `/me/credits/ledger${suffix}`, undefined, options);
  }

  /** The symbols the caller watches, paused ones included. */
  symbols(options?: SendOptions): Promise<WatchedSymbol[]> {
    return this.#json("GET", "/me/symbols", undefined, options);
  }

  /** Watch a symbol; `symbol_limit_reached` (403) past the tier's limit, `conflict` (409) when already watched. */
  addSymbol(symbol: NewSymbol, options?: SendOptions): Promise<WatchedSymbol> {
    return this.#json("POST", "/me/symbols", symbol, options);
  }

  /** Pause (`false`) or resume (`true`) a watched symbol; resuming past the tier's limit is `symbol_limit_reached`. */
  setSymbolActive(id: number, active: boolean, options?: SendOptions): Promise<WatchedSymbol> {
    return this.#json("PATCH", `/me/symbols/${id}`, { active }, options);
  }

  /** Stop watching a symbol. */
  async removeSymbol(id: number, options?: SendOptions): Promise<void> {
    await this.#send("DELETE", `/me/symbols/${id}`, undefined, options);
  }

  /** The latest signal, win rate and risk of each active watched symbol: a data request, 1 credit per symbol. */
  signals(options?: SendOptions): Promise<SignalsReply> {
    return this.#json("GET", "/me/signals", undefined, options);
  }

  /**
   * The caller's conversations, most recently continued first (`archived: true` lists the archived ones); pass the
   * page's `next_before` as `before` for the next one. Continue one with `chat({ message, conversation_id })`.
   */
  conversations(
    page: { limit?: number; before?: string | null; archived?: boolean } = {}, options?: SendOptions,
  ): Promise<ConversationPage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set("limit", String(page.limit));
    if (page.before != null) query.set("before", page.before);
    if (page.archived !== undefined) query.set("archived", String(page.archived));
    const suffix = query.size > 0 ? `?${query}` : "";
    return this.#json("GET", `/me/conversations${suffix}`, undefined, options);
  }

  /** A conversation's messages, newest first; pass the page's `next_before` as `before` for older ones. */
  conversationMessages(
    id: string, page: { limit?: number; before?: number | null } = {}, options?: SendOptions,
  ): Promise<MessagePage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set("limit", String(page.limit));
    if (page.before != null) query.set("before", String(page.before));
    const suffix = query.size > 0 ? `?${query}` : "";
    return this.#json("GET", `/me/conversations/${encodeURIComponent(id)}/messages${suffix}`, undefined, options);
  }

  /** Rename a conversation, or archive (`archived: true`) or unarchive it. */
  changeConversation(id: string, change: ConversationChange, options?: SendOptions): Promise<Conversation> {
    return this.#json("PATCH", `/me/conversations/${encodeURIComponent(id)}`, change, options);
  }

  /** Delete a conversation and its messages; the ledger keeps its charges. */
  async deleteConversation(id: string, options?: SendOptions): Promise<void> {
    await this.#send("DELETE", `/me/conversations/${encodeURIComponent(id)}`, undefined, options);
  }

  /**
   * A voice reply's audio as a Blob, for players that cannot take `audio_url` directly. `audio_url` is signed for a
   * day and plays in an `<audio>` element as it is. On the Api's own origin the caller's token goes with it, so this
   * also works after the link expired; a link to any other origin is fetched as it is, without the token.
   */
  async audio(audioUrl: string, options?: SendOptions): Promise<Blob> {
    const url = new URL(audioUrl, this.#baseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ZmartyError(0, { error: "invalid_request", message: `An audio link must be http or https, not ${url.protocol}` });
    }

    const response = await this.#send("GET", url.toString(), undefined, options);
    return response.blob();
  }

  async #chatResponse(body: ChatRequest, options: ChatOptions): Promise<Response> {
    const key = options.idempotencyKey ?? crypto.randomUUID();
    return this.#send("POST", "/chat", body, options, { "Idempotency-Key": key }, true);
  }

  async #json<T>(method: string, path: string, body: unknown, options?: SendOptions): Promise<T> {
    const response = await this.#send(method, path, body, options);
    return (await response.json()) as T;
  }

  /**
   * One request, sent again with the same headers when no answer came back (and, for an idempotent one, when the
   * Api says the first attempt is still running); any other failure is the Api's answer, as a ZmartyError.
   */
  async #send(
    method: string, path: string, body: unknown, options: SendOptions = {}, headers: Record<string, string> = {},
    idempotent = method === "GET" || method === "DELETE" || method === "PATCH",
  ): Promise<Response> {
    const url = new URL(path, this.#baseUrl);
    // The token is the user's session: it goes to the Api's own origin only, whatever address an answer names.
    const ownOrigin = url.origin === this.#baseUrl.origin;
    for (let attempt = 0; ; attempt++) {
      const token = ownOrigin ? await this.#getAccessToken() : undefined;
      const request: RequestInit = {
        method,
        headers: {
          Accept: "application/json, text/event-stream",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      };
      let response: Response;
      try {
        response = await this.#fetch(url, request);
      } catch (error) {
        if (options.signal?.aborted || !idempotent || attempt >= this.#retries) throw ZmartyError.network(error);
        await this.#pause(attempt, options.signal);
        continue;
      }
      if (response.ok) return response;
      const error = await ZmartyError.fromResponse(response);
      // A retry after a lost answer can find the first attempt still running: wait for its result.
      if (attempt > 0 && error.error === "conflict" && idempotent && attempt < this.#retries + 3) {
        await this.#pause(attempt, options.signal);
        continue;
      }
      throw error;
    }
  }

  #pause(attempt: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, this.#retryDelayMs * 2 ** Math.min(attempt, 5));
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(ZmartyError.network(signal.reason));
      }, { once: true });
    });
  }
}
