import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { type CliResult, runCli } from '../cli/capture.js';
import { isolatedEnv, tempDir } from '../fakes/scope.js';

/** A digest for digest references in the tables. */
export const D = `sha256:${'a'.repeat(64)}`;

/** Writes `files` (relative path → content) under a new temp dir and returns the dir. */
export async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await tempDir('ocipull-mirrors-');
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

/** An endpoint as one compact string: `mirror insecure host/repo:tag` or `primary host/repo:tag`. */
export function show(e: { reference: string; mirror: boolean; insecure: boolean }): string {
  return `${e.mirror ? 'mirror' : 'primary'}${e.insecure ? ' insecure' : ''} ${e.reference}`;
}

export interface MirrorsLine {
  input: string;
  reference: string;
  blocked: boolean;
  endpoints: { reference: string; mirror: boolean; insecure: boolean }[];
}

/**
 * Runs `ocipull mirrors --json` with an isolated HOME, a system root (OCIPULL_SYSTEM_CONFIG_ROOT) of its own, and
 * `conf` (when given) as `--registries-conf` with an empty `--registries-conf-dir`.
 */
export async function mirrors(
  conf: string | null,
  refs: string[],
  opts: { args?: string[]; env?: Record<string, string> } = {},
): Promise<{ result: CliResult; lines: MirrorsLine[] }> {
  const root = await writeTree(conf === null ? {} : { 'registries.conf': conf });
  const env = await isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: join(root, 'sysroot'), ...opts.env });
  const confArgs =
    conf === null
      ? []
      : ['--registries-conf', join(root, 'registries.conf'), '--registries-conf-dir', join(root, 'none')];
  const result = await runCli(['mirrors', '--json', ...confArgs, ...(opts.args ?? []), ...refs], { env });
  const lines = result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as MirrorsLine);
  return { result, lines };
}

/** The endpoints of the one reference, compact; fails on a non-zero exit. */
export async function endpointsOf(
  conf: string | null,
  ref: string,
  opts: { args?: string[]; env?: Record<string, string> } = {},
): Promise<string[] | 'blocked'> {
  const { result, lines } = await mirrors(conf, [ref], opts);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  if (line.blocked) {
    expect(line.endpoints).toEqual([]);
    return 'blocked';
  }
  return line.endpoints.map(show);
}
