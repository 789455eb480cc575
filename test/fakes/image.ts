import { gzipSync } from 'node:zlib';
import type { FaultRegistry } from './fault-registry.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Pushes a small OCI image (one config, `layers` gzip layers) into a fault registry and returns its parts. */
export function addImage(
  reg: FaultRegistry,
  repo: string,
  tag: string | null,
  opts: { arch?: string; variant?: string; layers?: Buffer[]; config?: Record<string, unknown> } = {},
) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.arch ?? 'amd64',
      os: 'linux',
      ...(opts.variant ? { variant: opts.variant } : {}),
      created: '2024-01-02T03:04:05Z',
      config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'], WorkingDir: '/', Labels: { 'org.example': 'yes' } },
      rootfs: { type: 'layers', diff_ids: [] },
      ...opts.config,
    }),
  );
  const layers = (opts.layers ?? [gzipSync(Buffer.from(`layer of ${repo}:${tag} ${opts.arch ?? ''}`))]).map(
    (b) => ({
      bytes: b,
      ...reg.addBlob(repo, b),
    }),
  );
  const configDesc = reg.addBlob(repo, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configDesc },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: l.digest,
      size: l.size,
    })),
  });
  const desc = reg.addManifest(repo, tag, manifest, OCI_MANIFEST);
  return { manifest, ...desc, config, configDesc, layers };
}

/** Pushes an OCI index of amd64, arm64/v8 and arm/v7 images plus an attestation entry. */
export function addIndex(reg: FaultRegistry, repo: string, tag: string) {
  const platforms = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
    { architecture: 'arm', os: 'linux', variant: 'v7' },
  ];
  const children = platforms.map((p) => ({
    platform: p,
    ...addImage(reg, repo, null, { arch: p.architecture, variant: p.variant }),
  }));
  const att = addImage(reg, repo, null, { arch: 'unknown' });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      ...children.map((c) => ({
        mediaType: OCI_MANIFEST,
        digest: c.digest,
        size: c.size,
        platform: c.platform,
      })),
      {
        mediaType: OCI_MANIFEST,
        digest: att.digest,
        size: att.size,
        platform: { architecture: 'unknown', os: 'unknown' },
        annotations: {
          'vnd.docker.reference.type': 'attestation-manifest',
          'vnd.docker.reference.digest': children[0]!.digest,
        },
      },
    ],
  });
  return { index, children, ...reg.addManifest(repo, tag, index, OCI_INDEX) };
}
