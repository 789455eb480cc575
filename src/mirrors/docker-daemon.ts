/**
 * Docker's `registry-mirrors` from `/etc/docker/daemon.json`: mirrors of Docker Hub only, each the root of a
 * domain (distribution's `docs/content/recipes/mirror.md`). Used only with `--docker-mirrors`.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { mirrorConfigError, q } from './config-error.js';
import type { MirrorSpec } from './mirror-spec.js';

const DaemonSchema = z.looseObject({ 'registry-mirrors': z.array(z.string()).optional() });

/** The path of daemon.json under `systemRoot` (`/` by default). */
export function dockerDaemonPath(systemRoot = '/'): string {
  return join(systemRoot, 'etc/docker/daemon.json');
}

/**
 * Reads daemon.json's `registry-mirrors` as mirrors of `docker.io`, in file order. A missing file gives none;
 * unreadable JSON or a mirror URL with a path, query or a scheme other than http(s) is `E_MIRROR_CONFIG`.
 * An `http://` mirror is insecure (plain HTTP), as Docker uses it.
 */
export async function readDockerMirrors(path: string): Promise<MirrorSpec[] | null> {
  const where = `Docker daemon configuration ${q(path)}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw mirrorConfigError(where, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw mirrorConfigError(where, `is not valid JSON (${(err as Error).message})`);
  }
  const checked = DaemonSchema.safeParse(json);
  if (!checked.success) throw mirrorConfigError(where, '"registry-mirrors" must be a list of URLs');
  return (checked.data['registry-mirrors'] ?? []).map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw mirrorConfigError(
        where,
        `registry mirror ${q(raw)} is not a URL`,
        'e.g. "https://mirror.gcr.io"',
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw mirrorConfigError(where, `registry mirror ${q(raw)}: the scheme must be http or https`);
    }
    if (
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== ''
    ) {
      throw mirrorConfigError(
        where,
        `registry mirror ${q(raw)} must be the root of a domain (no path or query)`,
      );
    }
    return {
      prefix: 'docker.io',
      location: url.host,
      insecure: url.protocol === 'http:',
      pullFromMirror: '',
      origin: path,
    };
  });
}
