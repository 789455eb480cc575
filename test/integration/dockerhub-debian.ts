/**
 * Docker Hub's `library/debian:latest` as it is today (COPY-MIRRORS-LOCK.md §5.1, TESTING.md): an OCI index of 16
 * entries, the 8 linux platforms of trixie, each followed by its `unknown/unknown` in-toto attestation manifest
 * (annotated `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest: <the platform
 * manifest>`), one gzip layer per platform. The layers are a few hundred bytes instead of ~49 MB.
 */
import {
  type BuiltImage,
  type BuiltIndex,
  buildAttestation,
  buildImage,
  buildLayer,
  formatPlatform,
  jsonBytes,
  parsePlatform,
  sha256,
} from '../helpers/images.js';
import { MediaType } from '../helpers/media-types.js';

/** The platforms of debian:trixie, in Docker Hub's order (amd64, arm32v5, arm32v7, arm64v8, i386, …). */
export const DEBIAN_PLATFORMS = [
  'linux/amd64',
  'linux/arm/v5',
  'linux/arm/v7',
  'linux/arm64/v8',
  'linux/386',
  'linux/ppc64le',
  'linux/riscv64',
  'linux/s390x',
] as const;

/** The debian index, with each platform's image and attestation at hand. */
export interface DebianFixture extends BuiltIndex {
  /** The platform image for `os/arch[/variant]` as written in DEBIAN_PLATFORMS. */
  image(platform: (typeof DEBIAN_PLATFORMS)[number]): BuiltImage;
}

/** The one layer of a platform's image: what differs per platform is in it, so every digest differs. */
function debianLayer(platform: string) {
  return buildLayer({
    'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\n',
    'etc/debian_version': '13.7\n',
    'etc/ocipull/platform': `${platform}\n`,
    'tmp/': { type: 'dir', mode: 0o1777 },
  });
}

/** Builds the 16-entry index: platform image, its attestation, next platform, … */
export async function buildDebianFixture(): Promise<DebianFixture> {
  const images = await Promise.all(
    DEBIAN_PLATFORMS.map(async (platform) =>
      buildImage({
        format: 'oci',
        platform,
        layers: [await debianLayer(platform)],
        config: { Cmd: ['bash'] },
      }),
    ),
  );
  const attestations = images.map((image) => buildAttestation(image));
  const manifests = images.flatMap((image, i) => [image, attestations[i]!]);
  const mediaType = MediaType.ociIndex;
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType,
    manifests: manifests.map((child) => child.descriptor),
  });
  const manifestDigest = sha256(manifest);
  const byPlatform = new Map(images.map((image) => [formatPlatform(image.platform), image]));
  return {
    kind: 'index',
    format: 'oci',
    mediaType,
    manifest,
    manifestDigest,
    descriptor: { mediaType, digest: manifestDigest, size: manifest.length },
    manifests,
    images,
    attestations,
    image(platform) {
      const image = byPlatform.get(formatPlatform(parsePlatform(platform)));
      if (image === undefined) throw new Error(`no ${platform} in the debian fixture`);
      return image;
    },
  };
}
