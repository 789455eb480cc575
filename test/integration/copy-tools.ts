/**
 * Helpers for the `ocipull copy`/`push`/`tag` integration tests (copy.test.ts, copy-local.test.ts): running the
 * CLI in an isolated environment, reading what the real registry served (through skopeo) and what it logged.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { type CliResult, runCli } from '../cli/capture.js';
import { isolatedEnv } from '../fakes/scope.js';
import type { TestRegistry } from '../helpers/registry.js';
import { type SkopeoResult, skopeo, skopeoRegistryFlags } from '../helpers/skopeo.js';
import type { Credentials } from '../helpers/users.js';

/** The `--json` result of `ocipull copy` and `ocipull push`. */
export interface CopyJson {
  source: string;
  destination: string;
  name: string;
  digest: string;
  manifestDigest: string;
  writtenDigest: string;
  mediaType: string;
  platforms: string[];
  layers: number;
  blobs: { copied: number; existing: number; mounted: number };
  bytes: { copied: number; existing: number };
  seconds: number;
}

/** A manifest or index document, as far as these tests read it. */
export interface RawDoc {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType: string; digest: string; size: number };
  layers?: Array<{ mediaType: string; digest: string; size: number }>;
  manifests?: Array<{
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: string;
    platform?: { os: string; architecture: string; variant?: string };
    annotations?: Record<string, string>;
  }>;
  subject?: { mediaType: string; digest: string; size: number };
}

export const sha256 = (bytes: Buffer | string) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Runs `ocipull ARGS` in a fresh isolated environment (no host credentials), unless `env` is given. */
export async function ocipull(args: string[], env?: Record<string, string | undefined>): Promise<CliResult> {
  return runCli(args, { env: env ?? (await isolatedEnv()) });
}

/** Fails with ocipull's stderr when it did not succeed quietly, and returns its stdout. */
export function succeeded(result: CliResult, what: string): string {
  expect(result.stderr, `${what}: ocipull stderr`).toBe('');
  expect(result.code, `${what}: ocipull exit code`).toBe(0);
  return result.stdout;
}

/** `ocipull copy|push --json --progress=none ARGS`, expected to succeed; returns the parsed result. */
export async function transfer(
  command: 'copy' | 'push',
  args: string[],
  env?: Record<string, string | undefined>,
): Promise<CopyJson> {
  const result = await ocipull([command, '--json', '--progress=none', ...args], env);
  const stdout = succeeded(result, `${command} ${args.join(' ')}`);
  return JSON.parse(stdout) as CopyJson;
}

/** Runs skopeo and expects success, with its stderr in the failure message. */
export async function skopeoOk(args: string[]): Promise<Buffer> {
  const result: SkopeoResult = await skopeo(args);
  expect(result.code, `skopeo ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** The manifest bytes the registry serves for REPO:TAG or REPO@DIGEST, read by skopeo, and their digest. */
export async function served(registry: TestRegistry, ref: string, credentials?: Credentials) {
  const flags = skopeoRegistryFlags(registry, credentials ? { credentials } : {});
  const raw = await skopeoOk(['inspect', '--raw', ...flags, `docker://${registry.host}/${ref}`]);
  return { raw, digest: sha256(raw), doc: JSON.parse(raw.toString('utf8')) as RawDoc };
}

/** `skopeo inspect TRANSPORT:REF` (not raw): its `Digest` and `Layers`. */
export async function skopeoInspect(
  transportRef: string,
  flags: string[] = [],
): Promise<{ Digest: string; Layers: string[] }> {
  const out = await skopeoOk(['inspect', ...flags, transportRef]);
  return JSON.parse(out.toString('utf8')) as { Digest: string; Layers: string[] };
}

/** `skopeo inspect --config --raw TRANSPORT:REF`: the config bytes and their digest. */
export async function skopeoConfigDigest(transportRef: string, flags: string[] = []): Promise<string> {
  return sha256(await skopeoOk(['inspect', '--config', '--raw', ...flags, transportRef]));
}

/** `ocipull digest REF` (with extra flags), expected to succeed. */
export async function ocipullDigest(ref: string, flags: string[] = []): Promise<string> {
  return succeeded(await ocipull(['digest', ...flags, ref]), `digest ${ref}`).trim();
}

/** The current end of the registry's log, to read only what comes after. */
export async function logMark(registry: TestRegistry): Promise<number> {
  return (await stat(registry.logPath)).size;
}

/** One access-log line: method, path with query, status. */
export interface AccessLine {
  method: string;
  path: string;
  status: number;
  userAgent: string;
}

/** The access-log lines after `mark`. */
export async function accessLines(registry: TestRegistry, mark: number): Promise<AccessLine[]> {
  const text = (await readFile(registry.logPath)).subarray(mark).toString('utf8');
  return [...text.matchAll(/"([A-Z]+) (\/v2\/\S*) HTTP\/[\d.]+" (\d{3}) \S+ "[^"]*" "([^"]*)"/g)].map(
    (m) => ({
      method: m[1]!,
      path: m[2]!,
      status: Number(m[3]),
      userAgent: m[4]!,
    }),
  );
}

/**
 * The access-log lines after `mark`, once the registry has logged a line matching `done` (it logs a request
 * after answering it, so the last request of a command can lag a little). Fails after ~2 s without one.
 */
export async function accessLinesUntil(
  registry: TestRegistry,
  mark: number,
  done: (line: AccessLine) => boolean,
): Promise<AccessLine[]> {
  for (let attempt = 0; ; attempt++) {
    const lines = await accessLines(registry, mark);
    if (lines.some(done)) return lines;
    if (attempt >= 40) {
      throw new Error(
        `registry log has no expected line after offset ${mark}; got:\n${lines.map((l) => `${l.method} ${l.path} ${l.status}`).join('\n')}`,
      );
    }
    await sleep(50);
  }
}

/** Blob upload starts (`POST /v2/REPO/blobs/uploads/…`) among `lines`, optionally into `repository` only. */
export function uploadPosts(lines: readonly AccessLine[], repository?: string): AccessLine[] {
  const prefix = repository === undefined ? undefined : `/v2/${repository}/blobs/uploads/`;
  return lines.filter(
    (l) =>
      l.method === 'POST' &&
      /^\/v2\/.+\/blobs\/uploads\//.test(l.path) &&
      (prefix === undefined || l.path.startsWith(prefix)),
  );
}

/** Every request that moves blob bytes or starts an upload (POST, PATCH, PUT on `/blobs/uploads/`). */
export function blobWrites(lines: readonly AccessLine[]): AccessLine[] {
  return lines.filter(
    (l) => ['POST', 'PATCH', 'PUT'].includes(l.method) && l.path.includes('/blobs/uploads/'),
  );
}

/** The query parameters of a logged path. */
export function queryOf(line: AccessLine): URLSearchParams {
  return new URL(line.path, 'http://log.invalid').searchParams;
}
