/** What the mirror pull tests share: an isolated environment, a primary and a mirror holding one image, a pull. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from '../cli/capture.js';
import type { FaultRegistry } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

/** An environment without the machine's registries.conf, credentials or mirrors. */
export async function env(extra: Record<string, string> = {}) {
  const sys = await tempDir('ocipull-sys-');
  return isolatedEnv({ OCIPULL_SYSTEM_CONFIG_ROOT: sys, ...extra });
}

/** The GETs and HEADs of manifests and blobs a registry received (not the `/v2/` ping). */
export function reads(reg: { requests: { path: string }[] }) {
  return reg.requests.filter((r) => /\/(manifests|blobs)\//.test(r.path));
}

/** A primary and a mirror holding the same image (`app:1`, two layers); the mirror is `--mirror`ed. */
export async function pair(layers?: Buffer[], opts: { mirrorRepo?: string } = {}) {
  const primary = await faultRegistry();
  const mirror = await faultRegistry();
  const ls = layers ?? [gzipSync(Buffer.from('layer one')), gzipSync(Buffer.from('layer two'))];
  const image = addImage(primary, 'app', '1', { layers: ls });
  addImage(mirror, opts.mirrorRepo ?? 'app', '1', { layers: ls });
  const ref = `${primary.host}/app:1`;
  const flag = ['--mirror', `${primary.host}=${mirror.host}`];
  return { primary, mirror, image, ref, flag };
}

/** `ocipull pull --json` into a fresh directory; `json` is the parsed summary when it succeeded. */
export async function pullJson(
  args: string[],
  extraEnv: Record<string, string> | Record<string, string | undefined> = {},
) {
  const dest = join(await tempDir(), 'out');
  const base = await env();
  const result = await runCli(['pull', '--json', '--progress', 'none', ...args, dest], {
    env: { ...base, ...extraEnv },
  });
  const json = result.code === 0 ? JSON.parse(result.stdout) : undefined;
  return { result, json, dest };
}

/** A blob's file in a layout. */
export function blobFile(layout: string, digest: string): Promise<Buffer> {
  return readFile(join(layout, 'blobs', 'sha256', digest.slice(7)));
}

export type { FaultRegistry };
