/**
 * The name grammar of distribution/reference (`regexp.go`), written as small scanners instead of one large regular
 * expression. Each check returns null when the text is valid, or a one-line reason naming what is wrong. Scanners
 * are linear in the input length, so a 10k-character input cannot trigger catastrophic regex backtracking.
 */

import { firstInvalidChar, isAlnum, isDigit, isHexDigit, isLowerAlnum, quote } from './quote.js';
import { TAG_MAX_LENGTH } from './reference.js';

const PATH_CHARS_HINT = "lowercase letters, digits, '.', '_', '-' and '/'";
const SEPARATORS_HINT = "'.', '_', '__' or one or more '-'";

/**
 * Checks a registry domain: `host[:port]`, where host is a DNS name (labels of letters of either case, digits and
 * inner `-`), an IPv4 address, or a bracketed IPv6 address of hex digits and colons. Like the Go regexp, the port is
 * any run of digits and the IPv6 text is not checked further.
 */
export function domainProblem(domain: string): string | null {
  let rest: string;
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    if (close < 0) return `IPv6 address in registry ${quote(domain)} is missing its closing ']'`;
    const address = domain.slice(1, close);
    if (address === '') return `registry ${quote(domain)} has an empty IPv6 address`;
    const bad = firstInvalidChar(address, (c) => isHexDigit(c) || c === ':');
    if (bad !== undefined) {
      return `invalid character ${JSON.stringify(bad)} in IPv6 address ${quote(address)}; only hex digits and ':' are allowed (no zone IDs or embedded IPv4)`;
    }
    rest = domain.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) {
      return `unexpected ${quote(rest)} after IPv6 address in registry ${quote(domain)}; a port follows ':'`;
    }
  } else {
    const colon = domain.indexOf(':');
    if (colon >= 0 && domain.indexOf(':', colon + 1) >= 0) {
      return `registry ${quote(domain)} has more than one ':'; an IPv6 address must be in brackets, e.g. "[fc00::1]:5000"`;
    }
    const host = colon < 0 ? domain : domain.slice(0, colon);
    const problem = hostNameProblem(host);
    if (problem !== null) return problem;
    rest = colon < 0 ? '' : domain.slice(colon);
  }
  if (rest === '') return null;
  const port = rest.slice(1);
  if (port === '') return `registry ${quote(domain)} has an empty port after ':'`;
  if (firstInvalidChar(port, isDigit) !== undefined) {
    return `port ${quote(port)} of registry ${quote(domain)} must be a number`;
  }
  return null;
}

/** Checks a DNS name or IPv4 address: dot-separated labels of letters, digits and inner `-`. */
function hostNameProblem(host: string): string | null {
  if (host === '') return 'registry host name is empty';
  const bad = firstInvalidChar(host, (c) => isAlnum(c) || c === '.' || c === '-');
  if (bad === '_') return `registry host name ${quote(host)} must not contain '_'`;
  if (bad !== undefined) {
    return `invalid character ${JSON.stringify(bad)} in registry host name ${quote(host)}; allowed are letters, digits, '.' and '-'`;
  }
  for (const label of host.split('.')) {
    if (label === '') {
      return `registry host name ${quote(host)} has an empty label (leading, trailing or double '.')`;
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return `label ${quote(label)} of registry host name ${quote(host)} must not start or end with '-'`;
    }
  }
  return null;
}

/**
 * Checks a repository path: one or more `/`-separated components, each `[a-z0-9]+` runs joined by exactly one
 * separator (`.`, `_`, `__`, or one or more `-`). Uppercase is reported by the caller before this runs.
 */
export function pathProblem(path: string): string | null {
  if (path === '') return 'repository name is missing';
  const bad = firstInvalidChar(
    path,
    (c) => isLowerAlnum(c) || c === '.' || c === '_' || c === '-' || c === '/',
  );
  if (bad !== undefined) {
    return `invalid character ${JSON.stringify(bad)} in repository path ${quote(path)}; allowed are ${PATH_CHARS_HINT}`;
  }
  if (path.startsWith('/')) return `repository path ${quote(path)} starts with '/'`;
  if (path.endsWith('/')) return `repository path ${quote(path)} ends with '/'`;
  if (path.includes('//')) return `repository path ${quote(path)} has an empty component ('//')`;
  for (const component of path.split('/')) {
    const problem = componentProblem(component);
    if (problem !== null) return problem;
  }
  return null;
}

/** Checks one non-empty path component made only of `[a-z0-9._-]`. */
function componentProblem(component: string): string | null {
  if (!isLowerAlnum(component[0])) {
    return `path component ${quote(component)} must start with a lowercase letter or digit, not ${JSON.stringify(component[0])}`;
  }
  if (!isLowerAlnum(component[component.length - 1])) {
    return `path component ${quote(component)} must end with a lowercase letter or digit, not ${JSON.stringify(component[component.length - 1])}`;
  }
  let i = 0;
  while (i < component.length) {
    if (isLowerAlnum(component[i])) {
      i++;
      continue;
    }
    let end = i;
    while (end < component.length && !isLowerAlnum(component[end])) end++;
    const separator = component.slice(i, end);
    if (!isValidSeparator(separator)) {
      return `path component ${quote(component)} has separator ${quote(separator)}; allowed are ${SEPARATORS_HINT} between letters or digits`;
    }
    i = end;
  }
  return null;
}

/** The separators of `regexp.go`: `(?:[._]|__|[-]+)`. */
function isValidSeparator(separator: string): boolean {
  if (separator === '.' || separator === '_' || separator === '__') return true;
  return firstInvalidChar(separator, (c) => c === '-') === undefined;
}

/** Checks a tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function tagProblem(tag: string): string | null {
  if (tag === '') return "tag is empty (nothing follows ':')";
  const bad = firstInvalidChar(tag, (c) => isAlnum(c) || c === '_' || c === '.' || c === '-');
  if (bad !== undefined) {
    return `invalid character ${JSON.stringify(bad)} in tag ${quote(tag)}; allowed are letters, digits, '_', '.' and '-'`;
  }
  if (tag.startsWith('.') || tag.startsWith('-')) {
    return `tag ${quote(tag)} must start with a letter, digit or '_'`;
  }
  if (tag.length > TAG_MAX_LENGTH) {
    return `tag is ${tag.length} characters long; the limit is ${TAG_MAX_LENGTH}`;
  }
  return null;
}
