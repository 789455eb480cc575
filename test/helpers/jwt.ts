/**
 * The JWT pieces docker-registry's token auth checks: RS256 signatures and the libtrust key ID (`kid`).
 * See TESTING.md "Token auth" and distribution's registry/auth/token/token.go.
 */
import { createHash, createPublicKey, randomBytes, sign, X509Certificate } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The libtrust fingerprint of a public key, which docker-registry matches against a token's `kid`:
 * SHA-256 over the DER SubjectPublicKeyInfo, first 30 bytes, base32, 12 groups of 4 joined by ':'.
 * Accepts a certificate PEM or any key PEM (a private key's public half is used).
 */
export function libtrustKeyId(pem: string): string {
  const publicKey = pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const encoded = base32(createHash('sha256').update(spki).digest().subarray(0, 30));
  return encoded.match(/.{4}/g)!.join(':');
}

/** One entry of a registry token's `access` claim. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

/** The claims of a registry token. */
export interface TokenClaims {
  iss: string;
  sub: string;
  /** docker-registry rejects an array here; it must be a string. */
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: ResourceAccess[];
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `claims` as an RS256 JWT with header `kid`. */
export function signJwt(claims: TokenClaims, privateKeyPem: string, kid: string): string {
  const header = { typ: 'JWT', alg: 'RS256', kid };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), privateKeyPem);
  return `${input}.${base64url(signature)}`;
}

/** Decodes a JWT's header and claims without verifying it (for assertions in tests). */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: TokenClaims } {
  const [header, claims] = token.split('.');
  if (header === undefined || claims === undefined) throw new Error('not a JWT');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as TokenClaims,
  };
}

/** A random token ID. */
export function newJti(): string {
  return randomBytes(16).toString('hex');
}
