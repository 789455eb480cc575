/**
 * Validation of `unqualified-search-registries` and `[aliases]`, as containers/image does it when it loads a file
 * (`postProcessRegistries`, `newShortNameAliasCache` in `pkg/sysregistriesv2/shortnames.go`). ocipull only
 * validates them: short names keep Docker's meaning (`debian` is `docker.io/library/debian`).
 */

import { isOcipullError } from '../errors.js';
import { parseReference } from '../reference/index.js';
import { isDomain, parseLocation } from './locations.js';

/** Validates and normalizes `unqualified-search-registries`; returns the list or the first problem. */
export function parseSearchRegistries(values: readonly string[]): { value: string[] } | { problem: string } {
  const out: string[] = [];
  for (const raw of values) {
    const loc = parseLocation(raw);
    if ('problem' in loc) return loc;
    if (!isDomain(loc.value)) {
      return { problem: `invalid unqualified-search-registries entry ${JSON.stringify(loc.value)}` };
    }
    out.push(loc.value);
  }
  return { value: out };
}

/** The first problem with the `[aliases]` table, or null. All names and non-empty values are checked. */
export function aliasesProblem(aliases: Readonly<Record<string, string>>): string | null {
  for (const [name, value] of Object.entries(aliases)) {
    const nameProblem = shortNameProblem(name);
    if (nameProblem !== null) return nameProblem;
    if (value === '') continue; // an empty value erases an alias set by an earlier file
    const valueProblem = aliasValueProblem(value);
    if (valueProblem !== null) return valueProblem;
  }
  return null;
}

/** `validateShortName`: a name without registry, tag or digest. */
function shortNameProblem(name: string): string | null {
  const parts = splitRaw(name);
  const grammar = grammarProblem(name);
  if (grammar !== null) return `cannot parse short name ${JSON.stringify(name)}: ${grammar}`;
  if (parts.digest) return `invalid short name ${JSON.stringify(name)}: must not contain digest`;
  if (parts.tag) return `invalid short name ${JSON.stringify(name)}: must not contain tag`;
  if (parts.domain !== null && (/[.:]/.test(parts.domain) || parts.domain === 'localhost')) {
    return `invalid short name ${JSON.stringify(name)}: must not contain registry`;
  }
  return null;
}

/** `parseShortNameValue`: a fully qualified name without tag or digest. */
function aliasValueProblem(value: string): string | null {
  const parts = splitRaw(value);
  const grammar = grammarProblem(value);
  if (grammar !== null) return `parsing alias ${JSON.stringify(value)}: ${grammar}`;
  if (parts.digest) return `invalid alias ${JSON.stringify(value)}: must not contain digest`;
  if (parts.tag) return `invalid alias ${JSON.stringify(value)}: must not contain tag`;
  if (parts.domain === null || !(/[.:]/.test(parts.domain) || parts.domain === 'localhost')) {
    return `invalid alias ${JSON.stringify(value)}: must contain registry and repository`;
  }
  return null;
}

function grammarProblem(input: string): string | null {
  try {
    parseReference(input);
    return null;
  } catch (err) {
    if (!isOcipullError(err)) throw err;
    return err.message.replace(/^invalid reference "[^"]*": /, '');
  }
}

/** The raw domain (first component, when there are several), and whether a tag or digest is written. */
function splitRaw(input: string): { domain: string | null; tag: boolean; digest: boolean } {
  const at = input.indexOf('@');
  const name = at < 0 ? input : input.slice(0, at);
  const slash = name.indexOf('/');
  const domain = slash < 0 ? null : name.slice(0, slash);
  const lastComponent = name.slice(name.lastIndexOf('/') + 1);
  return { domain, tag: lastComponent.includes(':'), digest: at >= 0 };
}
