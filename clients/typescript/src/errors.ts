import type { components } from "./generated/api.js";

/** The contract's error codes (docs/api.md "Errors"). */
export type ErrorCode =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_credits"
  | "forbidden"
  | "symbol_limit_reached"
  | "anonymous_not_allowed"
  | "not_found"
  | "conflict"
  | "message_too_long"
  | "rate_limit_exceeded"
  | "all_providers_failed"
  | "service_unavailable"
  | "server_error"
  | "network_error";

/** An error body as the Api sends it: RFC 7807 problem details whose extension members are the contract's fields. */
export type ErrorBody = components["schemas"]["ErrorBody"];

/**
 * A refused or failed request, with what the Api said: `error` (a code to branch on), `message` (for people),
 * and the extras of the codes that have them.
 */
export class ZmartyError extends Error {
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number;
  readonly error: ErrorCode | string;
  /** 402: the available credits, and what the request would have needed. */
  readonly balance: number | undefined;
  readonly required: number | undefined;
  /** 429 and 503: seconds to wait before trying again (the body's `retry_after`, else the `Retry-After` header). */
  readonly retryAfter: number | undefined;
  /** 413 and 429: the limit that was hit. */
  readonly limit: number | undefined;
  /** 400 and 503 from /chat: the providers that refused or failed. */
  readonly providers: readonly string[] | undefined;
  readonly traceId: string | undefined;

  constructor(status: number, body: Partial<ErrorBody> & Record<string, unknown>, retryAfterHeader?: string | null) {
    const message = typeof body.message === "string" ? body.message : `HTTP ${status}`;
    super(message);
    this.name = "ZmartyError";
    this.status = status;
    this.error = typeof body.error === "string" ? body.error : status === 0 ? "network_error" : "server_error";
    this.balance = numberOf(body.balance);
    this.required = numberOf(body.required);
    this.limit = numberOf(body.limit);
    this.retryAfter = numberOf(body.retry_after) ?? numberOf(retryAfterHeader);
    this.providers = Array.isArray(body.providers) ? body.providers.map(String) : undefined;
    this.traceId = typeof body.trace_id === "string" ? body.trace_id : undefined;
  }

  /** A request that may be sent again unchanged (with the same Idempotency-Key): the Api charged nothing for it. */
  get retriable(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 503 || this.error === "conflict";
  }

  /** The error an answer carries; a body that is not JSON becomes a `server_error` with the status. */
  static async fromResponse(response: Response): Promise<ZmartyError> {
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = await response.json();
      if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
    } catch {
      body = { message: `HTTP ${response.status} ${response.statusText}`.trim() };
    }
    return new ZmartyError(response.status, body, response.headers.get("Retry-After"));
  }

  static network(cause: unknown): ZmartyError {
    const error = new ZmartyError(0, {
      error: "network_error",
      message: `The Api could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
    (error as { cause?: unknown }).cause = cause;
    return error;
  }
}

function numberOf(value: unknown): number | undefined {
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}
