import { OcipullError } from '../../../errors.js';
import type { CredentialFlags, CredentialResult } from './types.js';

/**
 * Parses a `--creds user:password` value, splitting at the first `:` so passwords may contain colons.
 * Messages never echo the value, since it holds the password.
 */
export function parseCredsFlag(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon < 0) {
    throw new OcipullError('E_USAGE', '--creds: expected "username:password" but found no ":"');
  }
  const username = value.slice(0, colon);
  const password = value.slice(colon + 1);
  if (username === '') throw new OcipullError('E_USAGE', '--creds: the username before ":" is empty');
  if (password === '') {
    // Almost always `--creds "user:$TOKEN"` with TOKEN unset; sending an empty password only earns a 401.
    throw new OcipullError('E_USAGE', '--creds: the password after ":" is empty', {
      hint: 'if the password comes from a variable, check that the variable is set',
    });
  }
  return { username, password };
}

/** The credential given on the command line, or null when no credential flag is set. */
export function credentialFromFlags(flags: CredentialFlags | undefined): CredentialResult | null {
  if (flags === undefined) return null;
  const { creds, username, password } = flags;
  const hasPair = username !== undefined || password !== undefined;
  if (creds !== undefined && hasPair) {
    throw new OcipullError('E_USAGE', '--creds cannot be combined with --username/--password');
  }
  if (creds !== undefined) {
    return { credential: { kind: 'basic', ...parseCredsFlag(creds) }, source: '--creds' };
  }
  if (!hasPair) return null;
  if (username === undefined || username === '') {
    throw new OcipullError('E_USAGE', '--password needs a non-empty --username');
  }
  if (username.includes(':')) {
    // HTTP basic auth cannot carry a colon in the user-id (RFC 7617 section 2).
    throw new OcipullError('E_USAGE', '--username must not contain ":"');
  }
  if (password === undefined || password === '') {
    throw new OcipullError('E_USAGE', '--username needs a non-empty --password');
  }
  return { credential: { kind: 'basic', username, password }, source: '--username/--password' };
}
