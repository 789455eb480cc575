import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where per-registry CA certificates live, in the order containers/image and Docker read them. */
export const defaultCertDirs = ['/etc/containers/certs.d', '/etc/docker/certs.d'];

async function pemFilesIn(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const pems: string[] = [];
  for (const name of names.filter(accept).sort()) {
    pems.push(await readFile(join(dir, name), 'utf8'));
  }
  return pems;
}

/**
 * Collects extra CA certificates (PEM) for one registry host: every `*.crt` in `--cert-dir`, the host's
 * `certs.d/<host[:port]>/*.crt` (containers) and `ca.crt` (Docker), and the file named by `NODE_EXTRA_CA_CERTS`
 * (which Node would otherwise drop once we pass our own CA list).
 */
export async function loadExtraCa(opts: {
  host: string;
  certDir?: string | undefined;
  certDirs?: string[] | undefined;
  env: Record<string, string | undefined>;
}): Promise<string[]> {
  const pems: string[] = [];
  if (opts.certDir)
    pems.push(...(await pemFilesIn(opts.certDir, (n) => n.endsWith('.crt') || n.endsWith('.pem'))));
  for (const root of opts.certDirs ?? defaultCertDirs) {
    pems.push(...(await pemFilesIn(join(root, opts.host), (n) => n.endsWith('.crt'))));
  }
  const extra = opts.env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    try {
      pems.push(await readFile(extra, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same by ignoring it.
    }
  }
  return [...new Set(pems)];
}
