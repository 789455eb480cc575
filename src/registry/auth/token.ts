import { z } from 'zod';
import { OcipullError } from '../../errors.js';
import { BodyLimits, RegistryError, readCapped, type Transport } from '../transport/index.js';
import type { Credential } from './credentials/index.js';

/** A bearer token and the moment (ms since epoch) after which we stop using it. */
export interface Token {
  token: string;
  expiresAt: number;
}

const TokenResponseSchema = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
  issued_at: z.string().optional(),
});

/** Tokens without `expires_in` live 60 s (distribution token.md); we stop using them 5 s early (regclient). */
const DEFAULT_EXPIRES_IN = 60;
const EXPIRY_BUFFER_MS = 5_000;

/** What `fetchToken` needs from a challenge and the caller. */
export interface TokenRequest {
  realm: URL;
  service?: string | undefined;
  scopes: string[];
  credential: Credential | null;
  registryHost: string;
  signal?: AbortSignal | undefined;
  now?: () => number;
}

/**
 * Exchanges credentials (or none) for a bearer token at the challenge's realm.
 *
 * Identity tokens (`identitytoken` in config.json, e.g. from `az acr login`) use OAuth2 POST with
 * `grant_type=refresh_token` (distribution oauth.md); everything else uses GET with one `scope` parameter per
 * scope and, when there are credentials, HTTP Basic — the form every token server supports.
 */
export async function fetchToken(transport: Transport, req: TokenRequest): Promise<Token> {
  const operation = `get token for ${req.registryHost} from ${req.realm.origin}`;
  const url = new URL(req.realm);
  const headers: Record<string, string> = { accept: 'application/json' };
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  if (req.credential?.kind === 'identity-token') {
    method = 'POST';
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: req.credential.identityToken,
      client_id: 'ocipull',
    });
    if (req.service) form.set('service', req.service);
    if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
    body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    if (req.service) url.searchParams.set('service', req.service);
    for (const scope of req.scopes) url.searchParams.append('scope', scope);
    if (req.credential) {
      const basic = Buffer.from(`${req.credential.username}:${req.credential.password}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
  }
  const res = await transport.send({ method, url, headers, body, signal: req.signal, operation });
  if (res.status !== 200) {
    const errBody = await readCapped(res.body, BodyLimits.error, {
      code: 'E_AUTH',
      message: operation,
    }).catch(() => undefined);
    const wrongCreds = res.status === 401 || res.status === 403;
    throw new RegistryError(
      { operation, method, url: req.realm, status: res.status, headers: res.headers, body: errBody },
      wrongCreds
        ? {
            code: 'E_AUTH',
            message: `${operation}: ${req.credential ? 'credentials were rejected' : 'anonymous access was refused'} (HTTP ${res.status})`,
            hint: req.credential
              ? `check the username and password, or run: ocipull login ${req.registryHost}`
              : `log in first: ocipull login ${req.registryHost}, or pass --creds USER:PASS`,
          }
        : {},
    );
  }
  const raw = await readCapped(res.body, BodyLimits.token, { code: 'E_AUTH', message: operation });
  let parsed: z.infer<typeof TokenResponseSchema>;
  try {
    parsed = TokenResponseSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch {
    throw new OcipullError('E_AUTH', `${operation}: token server sent an unreadable response`);
  }
  // Prefer access_token when both are present, as containerd and distribution do; some servers send only one
  // of them (ggcr bearer.go "See #54").
  const token = parsed.access_token || parsed.token;
  if (!token) throw new OcipullError('E_AUTH', `${operation}: token server sent no token`);
  const expiresIn = Math.max(parsed.expires_in ?? DEFAULT_EXPIRES_IN, DEFAULT_EXPIRES_IN);
  const now = (req.now ?? Date.now)();
  return { token, expiresAt: now + expiresIn * 1000 - EXPIRY_BUFFER_MS };
}
