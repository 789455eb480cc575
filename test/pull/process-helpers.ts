import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FaultRegistry, serveBytes } from '../fakes/fault-registry.js';

/**
 * Helpers for tests that run the built CLI (`bin/ocipull.js`, which imports `dist/`) as real child processes against
 * the in-process fault registry: spawning with an isolated environment, bounded waits, and a blob hook that stalls
 * mid-body so a child is reliably caught in the middle of a download.
 */

export const BIN = fileURLToPath(new URL('../../bin/ocipull.js', import.meta.url));

/** Incompressible but reproducible bytes (AES-CTR of zeros with a fixed key, as TESTING.md suggests). */
export function pseudoRandomBytes(size: number, seed = 'ocipull-process'): Buffer {
  const key = Buffer.alloc(16);
  key.write(seed.slice(0, 16));
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** A fresh environment for a child: nothing inherited but PATH, so no credentials, colours or proxies leak in. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...extra,
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `ocipull` child with its output collected. */
export interface CliChild {
  proc: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited and its pipes are closed. */
  exited: Promise<Exit>;
  running(): boolean;
}

/** Spawns `node bin/ocipull.js ARGS` with exactly `env`. */
export function spawnCli(args: string[], env: Record<string, string>): CliChild {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<Exit>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  if (proc.pid === undefined) throw new Error(`could not spawn ${process.execPath} ${BIN}`);
  return {
    proc,
    pid: proc.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    running: () => !done,
  };
}

/** What a finished `ocipull` run printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node [nodeArgs] bin/ocipull.js ARGS` with exactly `env` to its end; killed with SIGKILL after `timeoutMs`,
 * so a hang fails the test instead of the suite.
 */
export function runBin(
  args: string[],
  env: Record<string, string | undefined>,
  opts: { nodeArgs?: string[]; timeoutMs: number },
): Promise<CliRun> {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs);
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Waits for a child to exit, failing (with its output) after `timeoutMs` instead of hanging the suite. */
export async function waitExit(c: CliChild, timeoutMs: number, what = 'ocipull'): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${what} (pid ${c.pid}) still running after ${timeoutMs} ms\nstdout: ${c.stdout()}\nstderr: ${c.stderr()}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([c.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills a child with SIGKILL (if still running) and waits for it; for afterEach. */
export async function killChild(c: CliChild): Promise<void> {
  if (!c.running()) return;
  c.proc.kill('SIGKILL');
  await waitExit(c, 5_000).catch(() => undefined);
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `blobs/sha256/.<hex>.<pid>.partial` of a layout. */
export function partialFile(dest: string, digest: string, pid: number): string {
  return join(dest, 'blobs', 'sha256', `.${digest.slice('sha256:'.length)}.${pid}.partial`);
}

/** The size of a file, or undefined while it does not exist. */
export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Names in a layout's root and blobs/sha256 that are not part of a finished layout (dot-files, locks, temps). */
export async function leftovers(dest: string): Promise<string[]> {
  const root = (await readdir(dest)).filter((n) => !['oci-layout', 'index.json', 'blobs'].includes(n));
  const blobs = (await readdir(join(dest, 'blobs', 'sha256'))).filter((n) => n.startsWith('.'));
  return [...root, ...blobs.map((n) => `blobs/sha256/${n}`)];
}

/**
 * A hook for one blob: while `stalling`, a GET gets the headers for the whole blob and its first `stallAfter`
 * bytes, then the response stays open and silent (the client sits mid-body until killed or interrupted). Otherwise
 * the blob is served normally, `Range` included. `sent` counts bytes the stalled responses have flushed.
 */
export class StallingBlob {
  stalling = true;
  sent = 0;
  readonly ranges: (string | undefined)[] = [];
  readonly #open: ServerResponse[] = [];

  constructor(
    readonly digest: string,
    readonly bytes: Buffer,
    readonly stallAfter: number,
  ) {}

  install(reg: FaultRegistry): this {
    reg.hook((req, res) => this.#handle(req, res));
    return this;
  }

  #handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || !req.url?.endsWith(`/blobs/${this.digest}`)) return false;
    this.ranges.push(req.headers.range);
    if (!this.stalling) {
      serveBytes(req, res, this.bytes);
      return true;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': this.bytes.length,
      'docker-content-digest': this.digest,
    });
    const head = this.bytes.subarray(0, this.stallAfter);
    res.write(head, () => {
      this.sent += head.length;
    });
    this.#open.push(res);
    return true;
  }

  /** Drops the stalled responses (the registry's close does too). */
  destroy(): void {
    for (const res of this.#open.splice(0)) res.destroy();
  }
}
