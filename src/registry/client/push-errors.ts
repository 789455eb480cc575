import type { OcipullError } from '../../errors.js';
import { RegistryError, type TransportResponse } from '../transport/index.js';
import type { RegistryClient } from './client.js';

/**
 * The token scopes of a push: `pull,push` on the destination first ("a few registries just look at the first
 * scope", ggcr `scopesForUploadingImage`), and `pull` on the repository a blob is mounted from.
 */
export function pushScopes(path: string, mountFrom?: string): string[] {
  return mountFrom
    ? [`repository:${path}:pull,push`, `repository:${mountFrom}:pull`]
    : [`repository:${path}:pull,push`];
}

/**
 * A 401 or 403 on a write: the credentials (or anonymous access) may pull but not push. Says so, with the
 * registry's own code, instead of the pull side's "does not exist or is private".
 *
 * Whether credentials were sent is decided here, not taken from `at.authenticated` alone: the client only works
 * that out for a 401, so a 403 sent to a logged-in user used to read "anonymous access can pull but not push".
 * Credentials go out when the registry asked for authentication and some were found.
 */
export async function pushRefused(
  client: RegistryClient,
  res: TransportResponse,
  at: { url: URL; operation: string; path: string; authenticated: boolean; method?: string | undefined },
): Promise<OcipullError> {
  const method = at.method ?? 'POST';
  const probe = await client.failure(res, { ...at, method });
  const diagnostics = probe instanceof RegistryError ? probe.diagnostics : [];
  const authenticated =
    at.authenticated || (client.session.requiresAuth && (await client.session.credential()) !== null);
  const repository = `${client.options.domain}/${at.path}`;
  const code = diagnostics[0]?.code ? ` ${diagnostics[0].code}` : '';
  return new RegistryError(
    {
      operation: at.operation,
      method,
      url: at.url,
      status: res.status,
      headers: res.headers,
      body: undefined,
    },
    {
      code: res.status === 403 ? 'E_DENIED' : 'E_AUTH',
      message: `${at.operation}: ${authenticated ? 'the credentials given' : 'anonymous access'} can pull but not push to ${repository} (${res.status}${code})`,
      hint: authenticated
        ? `check that this account may push to ${repository}, or log in as one that may: ocipull login ${client.options.domain}`
        : `pass credentials that may push (--dest-creds USER:PASS, or ocipull login ${client.options.domain})`,
    },
  );
}
