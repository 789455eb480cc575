import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { parseRetryAfter, type RetryPolicy, retryDelay, sleep } from './backoff.js';
import {
  isAbortError,
  isRefusedOnLoopback,
  isTransientNetworkError,
  toNetworkError,
} from './network-error.js';
import { parseRateLimit } from './rate-limit.js';
import { redactUrl } from './redact.js';

/** One HTTP request as the registry layers describe it. */
export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string> | undefined;
  /** A small body, or a stream (a blob upload: never retried here, since a stream cannot be sent twice). */
  body?: string | Buffer | Readable | undefined;
  signal?: AbortSignal | undefined;
  /** Words for error messages: "fetch manifest docker.io/library/alpine:3.20". */
  operation: string;
  /** Turn retries on or off for this request (default: on for GET and HEAD; never for a streamed body). */
  retry?: boolean | undefined;
}

/** A response with its body still unread. The caller must consume or dump the body. */
export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { dump(opts?: { limit: number }): Promise<void> };
}

/** Hooks for progress and `--debug`; never given secrets. */
export interface TransportEvents {
  onRequest?(info: { method: string; url: string; attempt: number }): void;
  onRetry?(info: { method: string; url: string; attempt: number; delayMs: number; reason: string }): void;
}

/** Status codes after which a GET or HEAD is retried. */
const retryStatus = new Set([408, 429, 500, 502, 503, 504]);

/**
 * A 429 that means "quota spent for hours" must not be retried into the ground (STYLE.md §3): Docker Hub sends
 * rate-limit headers with 0 remaining. A 429 with a short `Retry-After` and no spent quota is retried.
 */
function isQuotaExhausted(headers: TransportResponse['headers']): boolean {
  const rl = parseRateLimit(headers);
  return rl.set && rl.remaining === 0;
}

/**
 * Sends requests through the shared undici dispatcher with a user agent, bounded retries with backoff
 * (network errors, 408, 429 with `Retry-After`, 5xx) for idempotent methods, and errors mapped to one-line
 * `OcipullError`s. Knows nothing about manifests or auth.
 */
export class Transport {
  readonly #dispatcher: Dispatcher;
  readonly #userAgent: string;
  readonly #retry: RetryPolicy;
  readonly #events: TransportEvents;

  constructor(dispatcher: Dispatcher, userAgent: string, retry: RetryPolicy, events: TransportEvents = {}) {
    this.#dispatcher = dispatcher;
    this.#userAgent = userAgent;
    this.#retry = retry;
    this.#events = events;
  }

  /** Sends `req`, retrying transient failures; returns the last response whatever its status. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    // GET and HEAD are retried by default; a PUT of a manifest (bytes in memory) when asked; a streamed body never,
    // since a stream cannot be sent twice (the caller re-opens the source and starts a new request instead).
    const streamed = req.body !== undefined && typeof req.body !== 'string' && !Buffer.isBuffer(req.body);
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    const retried = !streamed && (req.retry ?? idempotent);
    const maxAttempts = retried ? this.#retry.retries + 1 : 1;
    const url = redactUrl(req.url);
    for (let attempt = 1; ; attempt++) {
      this.#events.onRequest?.({ method: req.method, url, attempt });
      let res: TransportResponse;
      try {
        const r = await request(req.url, {
          dispatcher: this.#dispatcher,
          method: req.method,
          headers: { 'user-agent': this.#userAgent, ...req.headers },
          body: req.body,
          signal: req.signal,
        });
        res = { status: r.statusCode, headers: r.headers, body: r.body as TransportResponse['body'] };
      } catch (err) {
        if (req.signal?.aborted || isAbortError(err)) throw toNetworkError(err, req.operation);
        if (attempt < maxAttempts && isTransientNetworkError(err) && !isRefusedOnLoopback(err, req.url)) {
          const delayMs = retryDelay(this.#retry, attempt);
          this.#events.onRetry?.({
            method: req.method,
            url,
            attempt,
            delayMs,
            reason: String((err as Error).message),
          });
          await sleep(delayMs, req.signal).catch((e) => {
            throw toNetworkError(e, req.operation);
          });
          continue;
        }
        throw toNetworkError(err, req.operation);
      }
      if (attempt < maxAttempts && retryStatus.has(res.status)) {
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        const spent =
          res.status === 429 &&
          (isQuotaExhausted(res.headers) ||
            (retryAfter !== undefined && retryAfter > this.#retry.maxDelayMs));
        if (!spent) {
          await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
          const delayMs = retryDelay(this.#retry, attempt, retryAfter);
          this.#events.onRetry?.({ method: req.method, url, attempt, delayMs, reason: `HTTP ${res.status}` });
          await sleep(delayMs, req.signal).catch((e) => {
            throw toNetworkError(e, req.operation);
          });
          continue;
        }
      }
      return res;
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
