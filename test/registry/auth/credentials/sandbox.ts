import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { Env } from '../../../../src/registry/auth/credentials/index.js';

/** A temp directory standing in for HOME, the XDG dirs and a bin dir; removed when the test ends. */
export interface Sandbox {
  root: string;
  home: string;
  bin: string;
  /** A minimal env: PATH is the sandbox bin dir plus the system dirs the fake helper's `sh` needs. */
  env: Env;
  /** Writes a file (creating its directory) under the sandbox when `path` is relative. */
  write(path: string, content: string | object): Promise<string>;
  read(path: string): Promise<string>;
  mode(path: string): Promise<number>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'ocipull-creds-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const home = join(root, 'home');
  const bin = join(root, 'bin');
  await mkdir(home, { recursive: true });
  await mkdir(bin, { recursive: true });
  const abs = (path: string) => (path.startsWith('/') ? path : join(root, path));
  return {
    root,
    home,
    bin,
    env: { PATH: `${bin}:/usr/bin:/bin` },
    async write(path, content) {
      const file = abs(path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return file;
    },
    read: (path) => readFile(abs(path), 'utf8'),
    mode: async (path) => (await stat(abs(path))).mode & 0o777,
  };
}

/** base64 of `user:password`, as `docker login` writes it. */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** An `auths` entry for a user and password. */
export function authEntry(username: string, password: string): { auth: string } {
  return { auth: b64(`${username}:${password}`) };
}

/**
 * Installs a real `docker-credential-<name>` shell script. It appends each stdin to `$FAKE_HELPER_LOG`
 * (one line per call), answers for `answers` keys, and otherwise fails like the real helpers do.
 */
export async function installFakeHelper(
  box: Sandbox,
  name: string,
  answers: Record<string, { Username: string; Secret: string }>,
): Promise<string> {
  const log = join(box.root, `${name}.log`);
  const cases = Object.entries(answers)
    .map(([server, reply]) => {
      const json = JSON.stringify({ ServerURL: server, ...reply }).replace(/'/g, `'"'"'`);
      return `  '${server}') printf '%s' '${json}'; exit 0 ;;`;
    })
    .join('\n');
  const script = `#!/bin/sh
[ "$1" = get ] || { echo "unsupported action $1"; exit 2; }
server=$(cat)
printf '%s\\n' "$server" >> "$FAKE_HELPER_LOG"
case "$server" in
${cases}
esac
echo "credentials not found in native keychain"
exit 1
`;
  const file = join(box.bin, `docker-credential-${name}`);
  await writeFile(file, script);
  await chmod(file, 0o755);
  box.env.FAKE_HELPER_LOG = log;
  return log;
}

/** Installs a helper script with an arbitrary body after the shebang. */
export async function installScript(box: Sandbox, name: string, body: string): Promise<void> {
  const file = join(box.bin, `docker-credential-${name}`);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

/** The lines the fake helper was asked for, or [] when it never ran. */
export async function helperCalls(log: string): Promise<string[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; hint?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
