/** Runs skopeo, the independent reference client, against a test registry. */
import { execFile } from 'node:child_process';
import type { TestRegistry } from './registry.js';
import type { Credentials } from './users.js';

/** The outcome of a skopeo run; a non-zero exit is a result, not an exception. */
export interface SkopeoResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs `skopeo --insecure-policy ARGS`, with an empty auth file so the host's logins never leak into tests.
 */
export function skopeo(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<SkopeoResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'skopeo',
      ['--insecure-policy', ...args],
      {
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
        env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent/ocipull-test-auth.json' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (err && typeof err.code !== 'number') {
          reject(err);
          return;
        }
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

/**
 * skopeo flags to reach `registry`: `--tls-verify=false` over plain HTTP or `--cert-dir` over TLS, plus `--creds`
 * when given. `prefix` is '' for inspect/list-tags, 'src-' or 'dest-' for copy.
 */
export function skopeoRegistryFlags(
  registry: TestRegistry,
  options: { credentials?: Credentials; prefix?: '' | 'src-' | 'dest-' } = {},
): string[] {
  const prefix = options.prefix ?? '';
  const flags = registry.ca
    ? [`--${prefix}cert-dir=${registry.ca.certDir}`]
    : [`--${prefix}tls-verify=false`];
  if (options.credentials) {
    flags.push(`--${prefix}creds=${options.credentials.username}:${options.credentials.password}`);
  } else {
    flags.push(`--${prefix}no-creds`);
  }
  return flags;
}

/** `skopeo inspect --raw docker://HOST/REFERENCE`: the manifest bytes exactly as the registry serves them. */
export async function skopeoInspectRaw(
  registry: TestRegistry,
  reference: string,
  credentials?: Credentials,
): Promise<SkopeoResult> {
  const flags = skopeoRegistryFlags(registry, credentials ? { credentials } : {});
  return skopeo(['inspect', '--raw', ...flags, `docker://${registry.host}/${reference}`]);
}
