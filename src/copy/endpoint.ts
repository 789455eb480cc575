/**
 * The two sides of `ocipull copy SRC DST`, as skopeo spells transports: `docker://REF` or a bare reference, an OCI
 * layout (`oci:DIR[:NAME]`, or a path-like `./dir[:NAME]` as `unpack` takes), `oci-archive:FILE[:NAME]` and
 * `docker-archive:FILE`. Pure: nothing is opened here.
 */
import { OcipullError } from '../errors.js';
import { parseReference, type Reference } from '../reference/index.js';

/** A parsed side of a copy. */
export type Endpoint =
  | { kind: 'registry'; ref: Reference; input: string }
  | { kind: 'oci'; path: string; name?: string | undefined; input: string }
  | { kind: 'oci-archive'; path: string; name?: string | undefined; input: string }
  | { kind: 'docker-archive'; path: string; input: string };

/** `PATH[:NAME]`: the name is what follows the last colon, when it holds no slash (`./a:b/c` is a path). */
function splitName(rest: string): { path: string; name?: string | undefined } {
  const colon = rest.lastIndexOf(':');
  if (colon < 0 || rest.slice(colon + 1).includes('/')) return { path: rest };
  const name = rest.slice(colon + 1);
  return name === '' ? { path: rest.slice(0, colon) } : { path: rest.slice(0, colon), name };
}

/** True for arguments that can only be a path: `.`, `./x`, `../x`, `/x`, `~/x`. */
export function isPathLike(input: string): boolean {
  return /^(\.{1,2}(\/|$|:)|\/|~\/)/.test(input);
}

/** Parses one side of a copy; an unknown `transport:` prefix or an empty path is a usage error (exit 2). */
export function parseEndpoint(input: string): Endpoint {
  const empty = (what: string) =>
    new OcipullError('E_USAGE', `${JSON.stringify(input)}: ${what} needs a path`, {
      hint: 'e.g. oci:./layout:latest, oci-archive:image.tar, docker-archive:image.tar',
    });
  if (input.startsWith('docker://')) return { kind: 'registry', ref: parseReference(input.slice(9)), input };
  for (const kind of ['oci-archive', 'docker-archive', 'oci'] as const) {
    if (!input.startsWith(`${kind}:`)) continue;
    const rest = input.slice(kind.length + 1);
    if (kind === 'docker-archive') {
      if (rest === '') throw empty(kind);
      return { kind, path: rest, input };
    }
    const { path, name } = splitName(rest);
    if (path === '') throw empty(kind);
    return { kind, path, name, input };
  }
  if (isPathLike(input)) {
    const { path, name } = splitName(input);
    return { kind: 'oci', path, name, input };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\d)/.exec(input);
  if (scheme && ['dir', 'containers-storage', 'docker-daemon'].includes(scheme[1]!)) {
    throw new OcipullError(
      'E_USAGE',
      `${JSON.stringify(input)}: ocipull does not support the ${scheme[1]}: transport`,
      {
        hint: 'use docker://REF, oci:DIR[:NAME], oci-archive:FILE[:NAME] or docker-archive:FILE',
      },
    );
  }
  return { kind: 'registry', ref: parseReference(input), input };
}

/** How an endpoint is written in messages. */
export function describeEndpoint(e: Endpoint): string {
  switch (e.kind) {
    case 'registry':
      return e.input.startsWith('docker://') ? e.input.slice(9) : e.input;
    case 'oci':
      return `oci:${e.path}${e.name ? `:${e.name}` : ''}`;
    case 'oci-archive':
      return `oci-archive:${e.path}${e.name ? `:${e.name}` : ''}`;
    case 'docker-archive':
      return `docker-archive:${e.path}`;
  }
}
