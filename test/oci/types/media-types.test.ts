import { describe, expect, it } from 'vitest';
import {
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER,
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_PLUGIN_CONFIG,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  isDockerMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  isLayerMediaType,
  isSchema1MediaType,
  MANIFEST_ACCEPT,
  OCI_EMPTY,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  OCI_LAYER_ZSTD,
  OCI_LAYOUT_HEADER,
  toOciMediaType,
} from '../../../src/oci/types/index.js';

describe('media type constants', () => {
  it.each([
    [OCI_IMAGE_INDEX, 'application/vnd.oci.image.index.v1+json'],
    [OCI_IMAGE_MANIFEST, 'application/vnd.oci.image.manifest.v1+json'],
    [OCI_IMAGE_CONFIG, 'application/vnd.oci.image.config.v1+json'],
    [OCI_LAYER, 'application/vnd.oci.image.layer.v1.tar'],
    [OCI_LAYER_GZIP, 'application/vnd.oci.image.layer.v1.tar+gzip'],
    [OCI_LAYER_ZSTD, 'application/vnd.oci.image.layer.v1.tar+zstd'],
    [OCI_LAYER_NONDISTRIBUTABLE, 'application/vnd.oci.image.layer.nondistributable.v1.tar'],
    [OCI_LAYER_NONDISTRIBUTABLE_GZIP, 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'],
    [OCI_LAYER_NONDISTRIBUTABLE_ZSTD, 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd'],
    [OCI_EMPTY, 'application/vnd.oci.empty.v1+json'],
    [OCI_LAYOUT_HEADER, 'application/vnd.oci.layout.header.v1+json'],
    [DOCKER_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json'],
    [DOCKER_MANIFEST_LIST, 'application/vnd.docker.distribution.manifest.list.v2+json'],
    [DOCKER_CONFIG, 'application/vnd.docker.container.image.v1+json'],
    [DOCKER_LAYER, 'application/vnd.docker.image.rootfs.diff.tar'],
    [DOCKER_LAYER_GZIP, 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
    [DOCKER_FOREIGN_LAYER, 'application/vnd.docker.image.rootfs.foreign.diff.tar'],
    [DOCKER_FOREIGN_LAYER_GZIP, 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'],
    [DOCKER_PLUGIN_CONFIG, 'application/vnd.docker.plugin.v1+json'],
    [DOCKER_SCHEMA1_MANIFEST, 'application/vnd.docker.distribution.manifest.v1+json'],
    [DOCKER_SCHEMA1_SIGNED_MANIFEST, 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
  ])('%s has the spec value', (constant, value) => {
    expect(constant).toBe(value);
  });

  it('MANIFEST_ACCEPT lists OCI index, OCI manifest, Docker list, Docker v2 and nothing else', () => {
    expect([...MANIFEST_ACCEPT]).toEqual([
      OCI_IMAGE_INDEX,
      OCI_IMAGE_MANIFEST,
      DOCKER_MANIFEST_LIST,
      DOCKER_MANIFEST,
    ]);
    expect(Object.isFrozen(MANIFEST_ACCEPT)).toBe(true);
  });
});

describe('toOciMediaType', () => {
  it.each([
    [DOCKER_MANIFEST, OCI_IMAGE_MANIFEST],
    [DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX],
    [DOCKER_CONFIG, OCI_IMAGE_CONFIG],
    [DOCKER_LAYER_GZIP, 'application/vnd.oci.image.layer.v1.tar+gzip'],
    [DOCKER_LAYER, 'application/vnd.oci.image.layer.v1.tar'],
    [DOCKER_FOREIGN_LAYER_GZIP, 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'],
    [DOCKER_FOREIGN_LAYER, 'application/vnd.oci.image.layer.nondistributable.v1.tar'],
    // OCI and unknown types are unchanged.
    [OCI_IMAGE_MANIFEST, OCI_IMAGE_MANIFEST],
    [OCI_IMAGE_INDEX, OCI_IMAGE_INDEX],
    [OCI_LAYER_ZSTD, OCI_LAYER_ZSTD],
    [OCI_EMPTY, OCI_EMPTY],
    [DOCKER_PLUGIN_CONFIG, DOCKER_PLUGIN_CONFIG],
    [DOCKER_SCHEMA1_SIGNED_MANIFEST, DOCKER_SCHEMA1_SIGNED_MANIFEST],
    ['application/vnd.cncf.helm.config.v1+json', 'application/vnd.cncf.helm.config.v1+json'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(toOciMediaType(input)).toBe(expected);
  });
});

describe('media type predicates', () => {
  // Columns: index, image manifest, schema1, layer, docker.
  it.each([
    [OCI_IMAGE_INDEX, true, false, false, false, false],
    [DOCKER_MANIFEST_LIST, true, false, false, false, true],
    [OCI_IMAGE_MANIFEST, false, true, false, false, false],
    [DOCKER_MANIFEST, false, true, false, false, true],
    [DOCKER_SCHEMA1_MANIFEST, false, false, true, false, true],
    [DOCKER_SCHEMA1_SIGNED_MANIFEST, false, false, true, false, true],
    [OCI_LAYER, false, false, false, true, false],
    [OCI_LAYER_GZIP, false, false, false, true, false],
    [OCI_LAYER_ZSTD, false, false, false, true, false],
    [OCI_LAYER_NONDISTRIBUTABLE, false, false, false, true, false],
    [OCI_LAYER_NONDISTRIBUTABLE_GZIP, false, false, false, true, false],
    [OCI_LAYER_NONDISTRIBUTABLE_ZSTD, false, false, false, true, false],
    [DOCKER_LAYER, false, false, false, true, true],
    [DOCKER_LAYER_GZIP, false, false, false, true, true],
    [DOCKER_FOREIGN_LAYER, false, false, false, true, true],
    [DOCKER_FOREIGN_LAYER_GZIP, false, false, false, true, true],
    [OCI_IMAGE_CONFIG, false, false, false, false, false],
    [DOCKER_CONFIG, false, false, false, false, true],
    [DOCKER_PLUGIN_CONFIG, false, false, false, false, true],
    [OCI_EMPTY, false, false, false, false, false],
    ['application/spdx+json', false, false, false, false, false],
    // Predicates compare exact strings; Content-Type parameters are stripped by parseManifest.
    [`${OCI_IMAGE_INDEX}; charset=utf-8`, false, false, false, false, false],
  ])('%s', (mediaType, index, image, schema1, layer, docker) => {
    expect({
      index: isIndexMediaType(mediaType),
      image: isImageManifestMediaType(mediaType),
      schema1: isSchema1MediaType(mediaType),
      layer: isLayerMediaType(mediaType),
      docker: isDockerMediaType(mediaType),
    }).toEqual({ index, image, schema1, layer, docker });
  });
});
