import { isIP } from 'node:net';
import { OcipullError } from '../../errors.js';

function isLinkLocal(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(h) === 4) return h.startsWith('169.254.');
  if (isIP(h) === 6) return /^fe[89ab][0-9a-f]:/.test(h) || h.startsWith('::ffff:169.254.');
  return false;
}

/**
 * Checks a token realm from a registry's challenge before we send anything there.
 *
 * Threats blocked: a registry (or a man in the middle of a plain-HTTP registry) pointing us at a cloud metadata
 * endpoint on a link-local address (SSRF; ggcr's `validateRealmURL` does the same), and a realm that would carry
 * credentials over plain HTTP for an HTTPS registry.
 */
export function validateRealm(realm: string, registryUrl: URL): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new OcipullError(
      'E_AUTH',
      `authenticate to ${registryUrl.host}: token realm ${JSON.stringify(realm)} is not a URL`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OcipullError(
      'E_AUTH',
      `authenticate to ${registryUrl.host}: token realm must be http(s), got ${url.protocol}`,
    );
  }
  if (url.protocol === 'http:' && registryUrl.protocol === 'https:') {
    throw new OcipullError(
      'E_AUTH',
      `authenticate to ${registryUrl.host}: refusing plain-HTTP token realm ${url.origin} of an HTTPS registry`,
      { hint: 'the registry is misconfigured; credentials are only sent over HTTPS' },
    );
  }
  if (isLinkLocal(url.hostname)) {
    throw new OcipullError(
      'E_AUTH',
      `authenticate to ${registryUrl.host}: refusing token realm on link-local address ${url.hostname}`,
      {
        hint: 'a realm on 169.254.0.0/16 or fe80::/10 points at cloud metadata services; check the registry address',
      },
    );
  }
  return url;
}
