/**
 * A test oracle: distribution/reference v0.6 `ParseNormalizedNamed` + `TagNameOnly`, transcribed from its
 * `regexp.go`, `normalize.go`, `reference.go` and go-digest's `Validate` with the same regular expressions. Go's
 * RE2 picks the submatches a backtracking engine would, so JavaScript's engine gives the same answers. Only safe on
 * short inputs (these patterns backtrack badly on long ones, which is why `src/reference` uses scanners).
 */

const optional = (...res: string[]) => `(?:${res.join('')})?`;
const anyTimes = (...res: string[]) => `(?:${res.join('')})*`;
const capture = (...res: string[]) => `(${res.join('')})`;
const anchored = (...res: string[]) => `^${res.join('')}$`;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tag = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = alphanumeric + anyTimes(separator + alphanumeric);
const remoteName = pathComponent + anyTimes('/', pathComponent);
const namePat = optional(domainAndPort, '/') + remoteName;

const referenceRegexp = new RegExp(
  anchored(capture(namePat), optional(':', capture(tag)), optional('@', capture(digestPat))),
);
const anchoredNameRegexp = new RegExp(anchored(optional(capture(domainAndPort), '/'), capture(remoteName)));
const anchoredIdentifierRegexp = /^([a-f0-9]{64})$/;

const hexSize: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** What Go returns: the parsed parts, or the fact that it failed. */
export type GoResult =
  | { ok: true; domain: string; path: string; tag: string | null; digest: string | null }
  | { ok: false; error: string };

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return ['docker.io', `library/${name}`];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain === 'index.docker.io') [domain, remote] = ['docker.io', maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, maybeRemote];
  else [domain, remote] = ['docker.io', name];
  if (domain === 'docker.io' && !remote.includes('/')) remote = `library/${remote}`;
  return [domain, remote];
}

function validateDigest(d: string): string | null {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) return 'invalid checksum digest format';
  const size = Object.hasOwn(hexSize, d.slice(0, i)) ? hexSize[d.slice(0, i)] : undefined;
  if (size === undefined) return 'unsupported digest algorithm';
  const encoded = d.slice(i + 1);
  if (encoded.length !== size) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(encoded) ? null : 'invalid checksum digest format';
}

/** `TagNameOnly(ParseNormalizedNamed(s))` as distribution/reference v0.6.0 computes it. */
export function goParseNormalized(s: string): GoResult {
  if (anchoredIdentifierRegexp.test(s))
    return { ok: false, error: 'cannot specify 64-byte hexadecimal strings' };
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) return { ok: false, error: 'repository name must be lowercase' };

  const full = `${domain}/${remainder}`;
  const m = referenceRegexp.exec(full);
  if (m === null) return { ok: false, error: 'invalid reference format' };
  const name = m[1] ?? '';
  const nm = anchoredNameRegexp.exec(name);
  const parsedDomain = nm?.[1] ?? '';
  const path = nm?.[2] ?? name;
  // reference.go Parse: `if len(repo.path) > RepositoryNameTotalLengthMax` (v0.6.0, commit aaca75e "Exclude domain
  // from name length check"). v0.5.0 checked len(matches[1]), the whole domain/path; that reading is wrong here.
  if (path.length > 255) return { ok: false, error: 'repository name must not be more than 255 characters' };
  const parsedTag = m[2] || null;
  const parsedDigest = m[3] || null;
  if (parsedDigest !== null) {
    const err = validateDigest(parsedDigest);
    if (err !== null) return { ok: false, error: err };
  }
  const withDefault = parsedTag === null && parsedDigest === null ? 'latest' : parsedTag;
  return { ok: true, domain: parsedDomain, path, tag: withDefault, digest: parsedDigest };
}
