/**
 * Helpers for test/integration/pull.test.ts: running the reference tools (umoci, oci-image-tool) on a layout
 * ocipull wrote, and what the standard fixtures' layers must unpack to (test/helpers/fixtures.ts).
 */
import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The outcome of a tool run; a non-zero exit is a result, not an exception. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command ARGS` without a shell; resolves with its exit code and output. */
export function runTool(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(err);
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * `oci-image-tool validate --type image --ref name=NAME DIR`, with `--ref name=NAME` repeated once per index.json
 * entry.
 *
 * Why repeated: oci-image-tool 1.0.0-rc1 filters index.json entries by deleting from the slice it is iterating
 * (`descs = append(descs[:i], descs[i+1:]...)` with `i++`), so the entry right after each removed one escapes the
 * filter. In a layout with entries [a, b, c], `name=a` keeps [a, c] ("descriptor retrieved by refs [name=a] is not
 * unique"), and in [a, c] `name=b` keeps [c] and validates the wrong image. Every pass removes at least the first
 * non-matching entry, so one pass per entry always converges to exactly the named entries.
 */
export async function ociImageToolValidate(dir: string, name: string): Promise<ToolResult> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: unknown[] };
  const refs = Array.from({ length: Math.max(1, index.manifests.length) }, () => ['--ref', `name=${name}`]);
  return runTool('oci-image-tool', ['validate', '--type', 'image', ...refs.flat(), dir]);
}

/** `umoci unpack --rootless --image DIR:NAME BUNDLE` (BUNDLE must not exist yet). */
export function umociUnpack(dir: string, name: string, bundle: string): Promise<ToolResult> {
  return runTool('umoci', ['unpack', '--rootless', '--image', `${dir}:${name}`, bundle]);
}

/** One entry of an unpacked root filesystem. */
export type TreeEntry =
  | { type: 'file'; mode: number; content: string }
  | { type: 'dir'; mode: number }
  | { type: 'symlink'; target: string };

/** Every entry under `root` (relative paths, `/`-separated, directories without a trailing slash). */
export async function readTree(root: string): Promise<Record<string, TreeEntry>> {
  const tree: Record<string, TreeEntry> = {};
  const walk = async (rel: string) => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(root, path);
      const info = await lstat(full);
      if (info.isSymbolicLink()) {
        tree[path] = { type: 'symlink', target: await readlink(full) };
      } else if (info.isDirectory()) {
        tree[path] = { type: 'dir', mode: info.mode & 0o7777 };
        await walk(path);
      } else if (info.isFile()) {
        tree[path] = { type: 'file', mode: info.mode & 0o7777, content: await readFile(full, 'utf8') };
      } else {
        throw new Error(`unexpected file type at ${path}`);
      }
    }
  };
  await walk('');
  return tree;
}

/**
 * What the standard fixture image for `platform` (e.g. `linux/arm64/v8`) unpacks to: the shared base layer plus
 * the platform layer, as written in test/helpers/fixtures.ts. Spelled out here, not derived from the builders,
 * so a change on either side shows.
 */
export function expectedFixtureTree(platform: string): Record<string, TreeEntry> {
  return {
    etc: { type: 'dir', mode: 0o755 },
    'etc/ocipull': { type: 'dir', mode: 0o755 },
    'etc/ocipull/platform': { type: 'file', mode: 0o644, content: `${platform}\n` },
    'etc/os-release': { type: 'file', mode: 0o644, content: 'ID=ocipull-fixture\nNAME="ocipull fixture"\n' },
    tmp: { type: 'dir', mode: 0o1777 },
    usr: { type: 'dir', mode: 0o755 },
    'usr/bin': { type: 'dir', mode: 0o755 },
    'usr/bin/hello': {
      type: 'file',
      mode: 0o755,
      content: `#!/bin/sh\necho hello from ${platform}\n`,
    },
    'usr/bin/hi': { type: 'symlink', target: 'hello' },
    'usr/share': { type: 'dir', mode: 0o755 },
    'usr/share/ocipull': { type: 'dir', mode: 0o755 },
    'usr/share/ocipull/README': {
      type: 'file',
      mode: 0o644,
      content: 'A fixture image for ocipull tests.\n',
    },
  };
}

/** What `private/app:1` unpacks to: the base layer plus `app/secret.txt`. */
export function expectedPrivateAppTree(): Record<string, TreeEntry> {
  const base = expectedFixtureTree('linux/amd64');
  const keep = [
    'etc',
    'etc/os-release',
    'tmp',
    'usr',
    'usr/share',
    'usr/share/ocipull',
    'usr/share/ocipull/README',
  ];
  return {
    ...Object.fromEntries(keep.map((path) => [path, base[path]!])),
    app: { type: 'dir', mode: 0o755 },
    'app/secret.txt': { type: 'file', mode: 0o644, content: 'only alice may read this\n' },
  };
}
