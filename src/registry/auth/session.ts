import { OcipullError } from '../../errors.js';
import type { Transport, TransportRequest, TransportResponse } from '../transport/index.js';
import type { Credential, CredentialResult } from './credentials/index.js';
import { validateRealm } from './realm.js';
import { fetchToken, type Token } from './token.js';
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.js';

/** What an `AuthSession` needs to know about its registry. */
export interface AuthSessionOptions {
  transport: Transport;
  /** `https://host[:port]` (or `http://` for loopback and `--plain-http`). */
  registryUrl: URL;
  /** The name people know the registry by, for messages: `docker.io`, `localhost:5000`. */
  registryHost: string;
  /** Looks credentials up; called at most once, and only when the registry asks for authentication. */
  resolveCredential: () => Promise<CredentialResult | null>;
  /** Whether credentials may travel over plain HTTP (only for loopback or explicitly insecure registries). */
  allowPlainHttpCredentials: boolean;
  debugLog?: ((line: string) => void) | undefined;
  now?: () => number;
}

function isStream(body: TransportRequest['body']): boolean {
  return body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
}

/** Picks the challenge we can answer: Bearer first, then Basic. */
function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

/**
 * Authenticates requests to one registry: answers 401 challenges with a Bearer token (anonymous or from
 * credentials) or Basic credentials, caches tokens per (realm, service, scopes) until shortly before they expire,
 * and retries once on a 401 (also `insufficient_scope` / `invalid_token`). Adds `Authorization` only to requests
 * for the registry's own origin, never to another host (ggcr `bearer.go` `matchesHost`).
 */
export class AuthSession {
  readonly #opts: AuthSessionOptions;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, Promise<Token>>();
  #credential: Promise<CredentialResult | null> | undefined;

  constructor(opts: AuthSessionOptions) {
    this.#opts = opts;
  }

  /** Records the challenge learnt from pinging `/v2/`, so the first real request can carry a token. */
  setChallenges(header: string | string[] | undefined): void {
    const chosen = pickChallenge(parseWwwAuthenticate(header));
    if (chosen) this.#challenge = chosen;
  }

  /** Sets the registry origin once the ping has chosen between https and http. */
  set registryUrl(url: URL) {
    this.#opts.registryUrl = url;
  }

  /** Whether the registry has asked for authentication. */
  get requiresAuth(): boolean {
    return this.#challenge !== undefined;
  }

  /** Sends `req` with authorization for `scopes` (e.g. `repository:library/debian:pull`), answering one 401. */
  async send(req: TransportRequest, scopes: string[] = []): Promise<TransportResponse> {
    let extraScopes: string[] = [];
    let refresh = false;
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.#authorization(req, [...scopes, ...extraScopes], refresh);
      const headers = { ...req.headers, ...(authorization ? { authorization } : {}) };
      const res = await this.#opts.transport.send({ ...req, headers });
      // A streamed body (a blob upload) is spent: the caller sees the 401 and starts over with a fresh token.
      if (res.status !== 401 || attempt > 1 || isStream(req.body)) return res;
      const chosen = pickChallenge(parseWwwAuthenticate(res.headers['www-authenticate']));
      if (!chosen) return res;
      // Basic credentials that were already sent and refused will not get better on a retry.
      if (authorization && chosen.scheme === 'basic') return res;
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      this.#challenge = chosen;
      extraScopes = (chosen.params.scope ?? '').split(' ').filter((s) => s !== '');
      refresh = authorization !== undefined; // a token we sent was refused: fetch a fresh one
      this.#opts.debugLog?.(
        `${this.#opts.registryHost}: 401 ${chosen.scheme} challenge${chosen.params.error ? ` (${chosen.params.error})` : ''}; retrying with authentication`,
      );
    }
  }

  /** The credential for this registry, looked up once. */
  credential(): Promise<CredentialResult | null> {
    this.#credential ??= this.#opts.resolveCredential().then((found) => {
      this.#opts.debugLog?.(
        found
          ? `credentials for ${this.#opts.registryHost} from ${found.source}`
          : `no credentials for ${this.#opts.registryHost}; using anonymous access`,
      );
      return found;
    });
    return this.#credential;
  }

  async #usableCredential(): Promise<Credential | null> {
    const found = await this.credential();
    if (!found) return null;
    const { registryUrl, allowPlainHttpCredentials, registryHost } = this.#opts;
    if (registryUrl.protocol !== 'https:' && !allowPlainHttpCredentials) {
      throw new OcipullError(
        'E_AUTH',
        `authenticate to ${registryHost}: refusing to send credentials over plain HTTP`,
        {
          hint: 'use HTTPS, or --plain-http only for a registry you trust on a private network',
        },
      );
    }
    return found.credential;
  }

  async #authorization(
    req: TransportRequest,
    scopes: string[],
    refresh: boolean,
  ): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge || req.url.origin !== this.#opts.registryUrl.origin) return undefined;
    if (challenge.scheme === 'basic') {
      const credential = await this.#usableCredential();
      if (!credential) return undefined;
      if (credential.kind !== 'basic') {
        throw new OcipullError(
          'E_AUTH',
          `authenticate to ${this.#opts.registryHost}: the registry wants Basic auth but the stored credential is an identity token`,
          { hint: `log in again with a username and password: ocipull login ${this.#opts.registryHost}` },
        );
      }
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    const realmParam = challenge.params.realm;
    if (!realmParam) {
      throw new OcipullError(
        'E_AUTH',
        `authenticate to ${this.#opts.registryHost}: Bearer challenge has no realm`,
      );
    }
    const realm = validateRealm(realmParam, this.#opts.registryUrl);
    // Asked for in the caller's order (push scope first: some registries only read the first), cached by the set.
    const wanted = [...new Set(scopes)];
    const key = `${realm.href}|${challenge.params.service ?? ''}|${[...wanted].sort().join(' ')}`;
    const now = (this.#opts.now ?? Date.now)();
    let pending = this.#tokens.get(key);
    if (pending && !refresh) {
      const cached = await pending.catch(() => undefined);
      if (!cached || cached.expiresAt <= now) pending = undefined;
    }
    if (!pending || refresh) {
      pending = this.#usableCredential().then((credential) =>
        fetchToken(this.#opts.transport, {
          realm,
          service: challenge.params.service,
          scopes: wanted,
          credential,
          registryHost: this.#opts.registryHost,
          signal: req.signal,
          now: this.#opts.now,
        }),
      );
      this.#tokens.set(key, pending);
      pending.catch(() => this.#tokens.delete(key));
    }
    return `Bearer ${(await pending).token}`;
  }
}
