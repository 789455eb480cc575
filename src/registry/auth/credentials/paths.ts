import { join } from 'node:path';
import type { CredentialQuery, Env } from './types.js';

/** The formats a credential file can have. */
export type AuthFileFormat = 'auth.json' | 'docker config' | 'dockercfg';

/** One file in the search list. */
export interface AuthFileCandidate {
  path: string;
  format: AuthFileFormat;
  /** How the file is named in `source` and in messages, e.g. `auth.json /run/containers/0/auth.json`. */
  label: string;
  /** Named by `--authfile` or `REGISTRY_AUTH_FILE`: a missing file is an error, not a skip. */
  required: boolean;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Env, homedir: string): string {
  return join(nonEmpty(env.DOCKER_CONFIG) ?? join(homedir, '.docker'), 'config.json');
}

/** The auth file the user named: `--authfile`, else `REGISTRY_AUTH_FILE` (the default podman and skopeo give it). */
export function explicitAuthFile(
  authfile: string | undefined,
  env: Env,
): { path: string; origin: '--authfile' | 'REGISTRY_AUTH_FILE' } | undefined {
  const flag = nonEmpty(authfile);
  if (flag !== undefined) return { path: flag, origin: '--authfile' };
  const fromEnv = nonEmpty(env.REGISTRY_AUTH_FILE);
  return fromEnv === undefined ? undefined : { path: fromEnv, origin: 'REGISTRY_AUTH_FILE' };
}

/**
 * The files to search, in order (containers/image `getAuthFilePaths`). A named auth file is the only one.
 * Otherwise: `$XDG_RUNTIME_DIR/containers/auth.json` (or `<runDir>/containers/$UID/auth.json`, Linux only),
 * `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`, the Docker config, then the legacy `~/.dockercfg`.
 */
export function authFileCandidates(q: CredentialQuery): AuthFileCandidate[] {
  const explicit = explicitAuthFile(q.flags?.authfile, q.env);
  if (explicit !== undefined) {
    return [
      {
        path: explicit.path,
        format: 'auth.json',
        label: `${explicit.origin} ${explicit.path}`,
        required: true,
      },
    ];
  }
  const list: AuthFileCandidate[] = [];
  const add = (path: string, format: AuthFileFormat) => {
    if (list.some((c) => c.path === path)) return;
    const name = format === 'dockercfg' ? 'legacy .dockercfg' : format;
    list.push({ path, format, label: `${name} ${path}`, required: false });
  };
  if ((q.platform ?? 'linux') === 'linux') {
    const runtimeDir = nonEmpty(q.env.XDG_RUNTIME_DIR);
    if (runtimeDir !== undefined) add(join(runtimeDir, 'containers', 'auth.json'), 'auth.json');
    else if (q.uid !== undefined)
      add(join(q.runDir ?? '/run', 'containers', String(q.uid), 'auth.json'), 'auth.json');
  }
  const configHome = nonEmpty(q.env.XDG_CONFIG_HOME) ?? join(q.homedir, '.config');
  add(join(configHome, 'containers', 'auth.json'), 'auth.json');
  add(dockerConfigPath(q.env, q.homedir), 'docker config');
  add(join(q.homedir, '.dockercfg'), 'dockercfg');
  return list;
}
