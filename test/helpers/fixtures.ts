/** The standard fixture images, built once per process (they are deterministic, so digests are stable). */
import {
  type BuiltImage,
  type BuiltIndex,
  type BuiltLayer,
  buildImage,
  buildIndex,
  buildLayer,
  formatPlatform,
  parsePlatform,
} from './images.js';

/** The platforms of the multi-platform fixtures, in index order. */
export const FIXTURE_PLATFORMS = ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'] as const;

/** How many tags `many/tags` gets. */
export const MANY_TAGS = 30;

/** The built (not pushed) standard fixtures. */
export interface StandardFixtures {
  ociImage: BuiltImage;
  dockerImage: BuiltImage;
  multiOci: BuiltIndex;
  multiDocker: BuiltIndex;
  privateApp: BuiltImage;
  manyTags: BuiltImage;
  manyTagNames: string[];
}

/** The layer every fixture shares (so registries and clients can dedupe it). */
export function baseLayer(): Promise<BuiltLayer> {
  return buildLayer({
    'etc/os-release': 'ID=ocipull-fixture\nNAME="ocipull fixture"\n',
    'usr/share/ocipull/README': 'A fixture image for ocipull tests.\n',
    'tmp/': { type: 'dir', mode: 0o1777 },
  });
}

/** A layer that differs per platform. */
export function platformLayer(platform: string): Promise<BuiltLayer> {
  const name = formatPlatform(parsePlatform(platform));
  return buildLayer({
    'etc/ocipull/platform': `${name}\n`,
    'usr/bin/hello': { type: 'file', content: `#!/bin/sh\necho hello from ${name}\n`, mode: 0o755 },
    'usr/bin/hi': { type: 'symlink', target: 'hello' },
  });
}

async function image(format: 'oci' | 'docker', platform: string): Promise<BuiltImage> {
  return buildImage({ format, platform, layers: [await baseLayer(), await platformLayer(platform)] });
}

async function build(): Promise<StandardFixtures> {
  const ociImages = await Promise.all(FIXTURE_PLATFORMS.map((platform) => image('oci', platform)));
  const dockerImages = await Promise.all(FIXTURE_PLATFORMS.map((platform) => image('docker', platform)));
  const base = await baseLayer();
  const privateApp = await buildImage({
    format: 'oci',
    platform: 'linux/amd64',
    layers: [base, await buildLayer({ 'app/secret.txt': 'only alice may read this\n' })],
    config: { Cmd: ['/app/run'] },
  });
  const manyTags = await buildImage({
    format: 'oci',
    platform: 'linux/amd64',
    layers: [await buildLayer({ 'etc/many-tags': 'many tags\n' })],
  });
  return {
    ociImage: ociImages[0]!,
    dockerImage: dockerImages[0]!,
    multiOci: buildIndex({ format: 'oci', images: ociImages, attestation: true }),
    multiDocker: buildIndex({ format: 'docker', images: dockerImages }),
    privateApp,
    manyTags,
    manyTagNames: Array.from({ length: MANY_TAGS }, (_, i) => `tag-${String(i + 1).padStart(2, '0')}`),
  };
}

let cached: Promise<StandardFixtures> | undefined;

/** Builds the standard fixtures (cached per process). */
export function buildStandardFixtures(): Promise<StandardFixtures> {
  cached ??= build();
  return cached;
}
