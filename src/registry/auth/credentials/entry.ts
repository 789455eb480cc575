import { OcipullError } from '../../../errors.js';
import type { AuthEntry } from './config-file.js';
import type { Credential } from './types.js';

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes an `auth` field: base64 of `user:password`, split at the first `:`, NULs trimmed from the password
 * (docker/cli `decodeAuth`). Errors name the file and key, never the decoded text.
 */
export function decodeAuthField(auth: string, subject: string): { username: string; password: string } {
  const compact = auth.replace(/[\r\n]/g, '');
  const bad = () =>
    new OcipullError('E_AUTH', `read ${subject}: "auth" is not base64 of "username:password"`, {
      hint: 'log in again to rewrite the entry',
    });
  if (!base64Pattern.test(compact) || compact.length % 4 === 1) throw bad();
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw bad();
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '') };
}

/**
 * The credential an `auths` entry holds, or null for an empty marker entry. `auth` wins over the separate
 * `username`/`password` fields (docker/cli `LoadFromReader`); an `identitytoken` makes it an identity token.
 */
export function credentialFromEntry(entry: AuthEntry, subject: string): Credential | null {
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (entry.auth) ({ username, password } = decodeAuthField(entry.auth, subject));
  if (entry.identitytoken) {
    // Docker's helpers mark identity tokens with the user name `<token>`; keep a real name when the file has one.
    return { kind: 'identity-token', username: username || '<token>', identityToken: entry.identitytoken };
  }
  if (username === '') return null;
  return { kind: 'basic', username, password };
}
