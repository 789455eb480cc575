/**
 * From the display domain to the network: which host to dial, and whether it is this machine. regclient's
 * `config/host.go` keeps Docker Hub's display name and DNS name apart in the same way.
 */

import { DOCKER_HUB_DOMAIN, DOCKER_HUB_HOST } from './reference.js';

/** The host[:port] to connect to for a display domain: `docker.io` becomes `registry-1.docker.io`, others stay. */
export function connectHost(domain: string): string {
  return domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_HOST : domain;
}

/**
 * True when a domain names this machine: `localhost`, an address in 127.0.0.0/8, or `[::1]` (in any spelling),
 * with or without a port. Used to allow plain http for local registries, as ggcr's `Registry.Scheme()` does.
 */
export function isLoopbackDomain(domain: string): boolean {
  const host = hostOf(domain).toLowerCase();
  if (host === 'localhost') return true;
  if (host.startsWith('[') && host.endsWith(']')) return isIPv6Loopback(host.slice(1, -1));
  return isIPv4Loopback(host);
}

/** The domain without its `:port`, keeping IPv6 brackets. */
function hostOf(domain: string): string {
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    return close < 0 ? domain : domain.slice(0, close + 1);
  }
  const colon = domain.indexOf(':');
  return colon < 0 ? domain : domain.slice(0, colon);
}

function isIPv4Loopback(host: string): boolean {
  const octets = host.split('.');
  if (octets.length !== 4 || octets[0] !== '127') return false;
  return octets.every((octet) => /^[0-9]{1,3}$/.test(octet) && Number(octet) <= 255);
}

/** True for `::1` written any valid way (`::1`, `0:0:0:0:0:0:0:1`, `::0:1`, `0000::0001`). */
function isIPv6Loopback(address: string): boolean {
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string | undefined): string[] | null => {
    if (part === undefined || part === '') return [];
    const groups = part.split(':');
    return groups.every((group) => /^[0-9a-f]{1,4}$/.test(group)) ? groups : null;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (head === null || tail === null) return false;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return false;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail].map((group) =>
    Number.parseInt(group, 16),
  );
  return groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1;
}
