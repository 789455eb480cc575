/**
 * `parseReference` is distribution/reference's `ParseNormalizedNamed` followed by `TagNameOnly`; `parseRepository`
 * applies the same name rules to a bare repository. See `normalize.go` (`splitDockerDomain`) and `reference.go`.
 */

import { InvalidReferenceError } from '../errors.js';
import { digestProblem } from './digest.js';
import { repositoryOf } from './format.js';
import { domainProblem, pathProblem, tagProblem } from './grammar.js';
import { quote } from './quote.js';
import {
  DEFAULT_TAG,
  DOCKER_HUB_DOMAIN,
  LEGACY_DOCKER_HUB_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  PATH_MAX_LENGTH,
  type Reference,
} from './reference.js';

/** A name that passed the name rules, with its tag and digest text not yet checked. */
interface NameParts {
  readonly domain: string;
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

type Fail = (reason: string, hint?: string) => InvalidReferenceError;

/** A bare 64-hex string is an image ID (`anchoredIdentifierRegexp`); Go refuses it as a name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const ASCII_UPPER = /[A-Z]/;

/**
 * Parses `[domain/]path[:tag][@digest]` and normalizes it: Docker Hub gets `docker.io` and, for one-component
 * paths, `library/`; `index.docker.io` becomes `docker.io`; a reference with neither tag nor digest gets `latest`.
 * Throws `InvalidReferenceError` (code `E_INVALID_REFERENCE`) for any input that breaks the grammar.
 */
export function parseReference(input: string): Reference {
  const fail = failFor(input);
  const name = parseName(input, fail);
  if (name.tag !== undefined) {
    const problem = tagProblem(name.tag);
    if (problem !== null) throw fail(problem);
  }
  let digest: Reference['digest'] = null;
  if (name.digest !== undefined) {
    const problem = digestProblem(name.digest);
    if (problem !== null) throw fail(problem);
    // digestProblem accepted it, so it has the algorithm:hex shape.
    digest = name.digest as `${string}:${string}`;
  }
  const tag = name.tag ?? (digest === null ? DEFAULT_TAG : null);
  return Object.freeze({ domain: name.domain, path: name.path, tag, digest });
}

/**
 * Parses a repository name (`[domain/]path`) with the same rules and normalization as `parseReference`, and rejects
 * a tag or digest, for commands such as `ocipull tags REPO` that act on a whole repository.
 */
export function parseRepository(input: string): Pick<Reference, 'domain' | 'path'> {
  const fail = failFor(input);
  const name = parseName(input, fail);
  const repository = repositoryOf(name);
  if (name.tag !== undefined) {
    // "localhost:5000" or "registry.example.com:5000" alone parse as a Hub name with a numeric tag.
    const bareName = input.slice(0, input.indexOf(':'));
    const looksLikeHostPort =
      !input.includes('/') &&
      /^[0-9]+$/.test(name.tag) &&
      (bareName === 'localhost' || bareName.includes('.'));
    throw fail(
      `a repository name cannot include a tag (${quote(`:${name.tag}`)})`,
      looksLikeHostPort
        ? `to name a repository on registry ${quote(input)}, add its path, e.g. ${quote(`${input}/NAME`)}`
        : `pass just the repository, e.g. ${quote(repository)}`,
    );
  }
  if (name.digest !== undefined) {
    throw fail(
      `a repository name cannot include a digest (${quote(`@${name.digest}`)})`,
      `pass just the repository, e.g. ${quote(repository)}`,
    );
  }
  return Object.freeze({ domain: name.domain, path: name.path });
}

function failFor(input: string): Fail {
  return (reason, hint) => new InvalidReferenceError(input, reason, hint === undefined ? {} : { hint });
}

/**
 * Splits off the domain the way `splitDockerDomain` does: the first component is a domain only when it is
 * `localhost`, contains `.` or `:`, or has an uppercase letter (namespaces are lowercase, so it can't be one).
 */
function splitDockerDomain(input: string): { domain: string; remainder: string } {
  const slash = input.indexOf('/');
  if (slash < 0) return { domain: DOCKER_HUB_DOMAIN, remainder: input };
  const first = input.slice(0, slash);
  const rest = input.slice(slash + 1);
  if (first === LEGACY_DOCKER_HUB_DOMAIN) return { domain: DOCKER_HUB_DOMAIN, remainder: rest };
  if (first === 'localhost' || first.includes('.') || first.includes(':') || first.toLowerCase() !== first) {
    return { domain: first, remainder: rest };
  }
  return { domain: DOCKER_HUB_DOMAIN, remainder: input };
}

/** Applies the name rules of `ParseNormalizedNamed` and returns the normalized name with raw tag and digest. */
function parseName(input: string, fail: Fail): NameParts {
  if (input === '') throw fail('reference is empty');
  if (input.trim() !== input) throw fail('reference has leading or trailing whitespace');
  const scheme = URL_SCHEME.exec(input);
  if (scheme !== null) {
    throw fail(
      `a reference has no URL scheme; remove ${quote(scheme[0])}`,
      'write it as [registry/]repository[:tag], e.g. "ghcr.io/owner/image:1.0"',
    );
  }
  if (IMAGE_ID.test(input)) {
    throw fail(
      'a 64-character hex string reads as an image ID, not a repository name',
      'to pull by digest write NAME@sha256:<hex>; to use it as a name, prefix the registry, e.g. docker.io/<hex>',
    );
  }

  const { domain, remainder } = splitDockerDomain(input);
  const at = remainder.indexOf('@');
  const nameAndTag = at < 0 ? remainder : remainder.slice(0, at);
  const digest = at < 0 ? undefined : remainder.slice(at + 1);
  const colon = nameAndTag.indexOf(':');
  const path = colon < 0 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon < 0 ? undefined : nameAndTag.slice(colon + 1);

  if (domain !== DOCKER_HUB_DOMAIN) {
    const problem = domainProblem(domain);
    if (problem !== null) throw fail(problem);
  }
  if (path === '') {
    const where =
      remainder === '' ? `after ${quote(`${domain}/`)}` : `before ${JSON.stringify(remainder[0])}`;
    throw fail(`repository name is missing ${where}`);
  }
  if (ASCII_UPPER.test(path)) throw fail(`repository path ${quote(path)} must be lowercase`);
  const problem = pathProblem(path);
  if (problem !== null) {
    const bareHost = !input.includes('/') && input.startsWith('[');
    throw fail(
      problem,
      bareHost ? 'a registry host must be followed by a repository path, e.g. "[::1]:5000/name"' : undefined,
    );
  }

  const normalizedPath =
    domain === DOCKER_HUB_DOMAIN && !path.includes('/') ? OFFICIAL_REPO_PREFIX + path : path;
  // Like Go's Parse, the limit applies to the path alone; the registry domain is not counted.
  if (normalizedPath.length > PATH_MAX_LENGTH) {
    throw fail(
      `repository path ${quote(normalizedPath)} is ${normalizedPath.length} characters long; the limit is ${PATH_MAX_LENGTH} (the registry domain is not counted)`,
    );
  }
  return { domain, path: normalizedPath, tag, digest };
}
