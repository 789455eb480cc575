import { describe, expect, it } from 'vitest';
import type { OcipullError } from '../../../src/errors.js';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  parseManifest,
} from '../../../src/oci/types/index.js';
import {
  artifactWithEmptyConfig,
  d,
  dockerManifestList,
  dockerV2Manifest,
  helmChart,
  missingLayerDigest,
  ociIndexWithAttestations,
  ociManifestWithoutMediaType,
  schema1Signed,
  schema1Unsigned,
} from './fixtures.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function parseError(text: string | Uint8Array, contentType?: string): OcipullError {
  try {
    parseManifest(typeof text === 'string' ? bytes(text) : text, contentType);
  } catch (err) {
    return err as OcipullError;
  }
  throw new Error('expected parseManifest to throw');
}

const layer = (digest: string) =>
  `{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"${digest}","size":10}`;
const ociManifestWithLayers = (layers: string[]) =>
  `{"schemaVersion":2,"mediaType":"${OCI_IMAGE_MANIFEST}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${d('cfg')}","size":5},"layers":[${layers.join(',')}]}`;

describe('parseManifest on real-shaped documents', () => {
  it.each([
    ['Docker Hub OCI index with attestations', ociIndexWithAttestations, undefined, 'index', OCI_IMAGE_INDEX],
    ['Docker manifest list', dockerManifestList, undefined, 'index', DOCKER_MANIFEST_LIST],
    ['Docker v2 manifest', dockerV2Manifest, undefined, 'image', DOCKER_MANIFEST],
    [
      'OCI manifest without mediaType (umoci)',
      ociManifestWithoutMediaType,
      undefined,
      'image',
      OCI_IMAGE_MANIFEST,
    ],
    ['artifact with the empty config', artifactWithEmptyConfig, undefined, 'image', OCI_IMAGE_MANIFEST],
    ['Helm chart, type from Content-Type', helmChart, OCI_IMAGE_MANIFEST, 'image', OCI_IMAGE_MANIFEST],
    ['Helm chart, no Content-Type: sniffed', helmChart, undefined, 'image', OCI_IMAGE_MANIFEST],
  ])('%s', (_name, text, contentType, kind, mediaType) => {
    const parsed = parseManifest(bytes(text), contentType);
    expect(parsed.kind).toBe(kind);
    expect(parsed.mediaType).toBe(mediaType);
  });

  it('keeps the entries, platforms and unknown fields of an index', () => {
    const parsed = parseManifest(bytes(ociIndexWithAttestations));
    if (parsed.kind !== 'index') throw new Error('expected an index');
    expect(parsed.index.manifests).toHaveLength(4);
    expect(parsed.index.manifests[2]?.platform).toEqual({
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
    });
    expect(parsed.index.manifests[1]?.annotations?.['vnd.docker.reference.type']).toBe(
      'attestation-manifest',
    );
  });

  it('keeps config, layers, subject and artifactType of an artifact', () => {
    const parsed = parseManifest(bytes(artifactWithEmptyConfig));
    if (parsed.kind !== 'image') throw new Error('expected an image');
    expect(parsed.manifest.artifactType).toBe('application/spdx+json');
    expect(parsed.manifest.config.data).toBe('e30=');
    expect(parsed.manifest.subject?.digest).toBe(d('alpine-amd64'));
    expect(parsed.manifest.layers[0]?.size).toBe(15034);
  });

  it('passes unknown fields through', () => {
    const text = `{"schemaVersion":2,"mediaType":"${OCI_IMAGE_INDEX}","manifests":[],"x-vendor":{"a":1}}`;
    const parsed = parseManifest(bytes(text));
    expect(parsed.kind === 'index' && parsed.index['x-vendor']).toEqual({ a: 1 });
  });
});

describe('parseManifest media type detection', () => {
  const sniffableIndex = `{"schemaVersion":2,"manifests":[{"mediaType":"${OCI_IMAGE_MANIFEST}","digest":"${d('m')}","size":1}]}`;
  const dockerWithoutMediaType = `{"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"${d('c')}","size":1},"layers":[]}`;
  const unknownType = `{"schemaVersion":2,"mediaType":"application/vnd.example.thing.v1+json","config":{"mediaType":"application/vnd.example.config","digest":"${d('c')}","size":1},"layers":[]}`;

  it.each([
    ['body mediaType, no header', dockerV2Manifest, undefined, 'image', DOCKER_MANIFEST],
    [
      'header with parameters',
      ociManifestWithoutMediaType,
      `${OCI_IMAGE_MANIFEST}; charset=utf-8`,
      'image',
      OCI_IMAGE_MANIFEST,
    ],
    [
      'header in upper case',
      sniffableIndex,
      'Application/VND.OCI.Image.Index.v1+JSON',
      'index',
      OCI_IMAGE_INDEX,
    ],
    [
      'generic application/json is ignored',
      dockerWithoutMediaType,
      'application/json',
      'image',
      DOCKER_MANIFEST,
    ],
    ['generic octet-stream is ignored', sniffableIndex, 'application/octet-stream', 'index', OCI_IMAGE_INDEX],
    [
      'generic text/plain is ignored',
      ociManifestWithoutMediaType,
      'text/plain; charset=utf-8',
      'image',
      OCI_IMAGE_MANIFEST,
    ],
    ['body wins over a conflicting header', dockerV2Manifest, OCI_IMAGE_INDEX, 'image', DOCKER_MANIFEST],
    ['sniffed Docker config ⇒ Docker v2', dockerWithoutMediaType, undefined, 'image', DOCKER_MANIFEST],
    ['sniffed manifests ⇒ OCI index', sniffableIndex, undefined, 'index', OCI_IMAGE_INDEX],
    [
      'empty index.json of a fresh layout',
      '{"schemaVersion":2,"manifests":[]}',
      undefined,
      'index',
      OCI_IMAGE_INDEX,
    ],
    [
      'unknown type shaped like a manifest',
      unknownType,
      undefined,
      'image',
      'application/vnd.example.thing.v1+json',
    ],
  ])('%s', (_name, text, contentType, kind, mediaType) => {
    const parsed = parseManifest(bytes(text), contentType);
    expect({ kind: parsed.kind, mediaType: parsed.mediaType }).toEqual({ kind, mediaType });
  });
});

describe('parseManifest errors', () => {
  it.each([
    [
      'signed schema 1, no header',
      schema1Signed,
      undefined,
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    ],
    [
      'signed schema 1 by header',
      schema1Signed,
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'prettyjws',
    ],
    ['unsigned schema 1', schema1Unsigned, undefined, 'application/vnd.docker.distribution.manifest.v1+json'],
    ['schema 1 type in header only', '{}', 'application/vnd.docker.distribution.manifest.v1+json', 'v1+json'],
    ['schemaVersion 1 despite a v2 header', schema1Unsigned, DOCKER_MANIFEST, '(schemaVersion 1)'],
  ])('refuses %s with E_UNSUPPORTED', (_name, text, contentType, inMessage) => {
    const err = parseError(text, contentType);
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toContain('Docker schema 1');
    expect(err.message).toContain('deprecated');
    expect(err.message).toContain(inMessage);
    expect(err.hint).toMatch(/re-push/);
  });

  it.each([
    ['bad JSON', '{"schemaVersion": 2,', /^manifest is not valid JSON: /],
    ['empty body', '', /^manifest is not valid JSON: /],
    ['HTML error page', '<html><body>502 Bad Gateway</body></html>', /^manifest is not valid JSON: /],
    ['a JSON array', '[]', /^manifest is not a JSON object \(got an array\)$/],
    ['JSON null', 'null', /^manifest is not a JSON object \(got null\)$/],
    [
      'a missing layer digest',
      missingLayerDigest,
      /^invalid image manifest \(application\/vnd\.docker\.distribution\.manifest\.v2\+json\): layers\[0\]\.digest: missing$/,
    ],
    [
      'a bad digest in the third layer',
      ociManifestWithLayers([layer(d('a')), layer(d('b')), layer('sha256:../../etc/passwd')]),
      /: layers\[2\]\.digest: invalid digest$/,
    ],
    [
      'uppercase hex in a config digest',
      ociManifestWithLayers([]).replace(d('cfg'), d('cfg').toUpperCase().replace('SHA256', 'sha256')),
      /: config\.digest: invalid digest$/,
    ],
    [
      'a negative size',
      ociManifestWithLayers([layer(d('a')).replace('"size":10', '"size":-1')]),
      /: layers\[0\]\.size: /,
    ],
    [
      'a fractional size',
      ociManifestWithLayers([layer(d('a')).replace('"size":10', '"size":1.5')]),
      /layers\[0\]\.size/,
    ],
    [
      'schemaVersion 3',
      `{"schemaVersion":3,"mediaType":"${OCI_IMAGE_INDEX}","manifests":[]}`,
      /: schemaVersion: /,
    ],
    [
      'a non-string os.version',
      `{"schemaVersion":2,"mediaType":"${OCI_IMAGE_INDEX}","manifests":[{"mediaType":"${OCI_IMAGE_MANIFEST}","digest":"${d('w')}","size":1,"platform":{"os":"windows","architecture":"amd64","os.version":10}}]}`,
      /: manifests\[0\]\.platform\["os\.version"\]: /,
    ],
    [
      'an index entry without platform os',
      `{"schemaVersion":2,"mediaType":"${OCI_IMAGE_INDEX}","manifests":[{"mediaType":"${OCI_IMAGE_MANIFEST}","digest":"${d('w')}","size":1,"platform":{"architecture":"amd64"}}]}`,
      /^invalid image index \(application\/vnd\.oci\.image\.index\.v1\+json\): manifests\[0\]\.platform\.os: missing$/,
    ],
    [
      'several problems at once',
      `{"schemaVersion":2,"mediaType":"${OCI_IMAGE_MANIFEST}","layers":[{}]}`,
      /: config: missing \(and 3 more problems\)$/,
    ],
    [
      'an image manifest that also has manifests (CVE-2021-41190)',
      dockerV2Manifest.replace('"layers"', '"manifests": [], "layers"'),
      /ambiguous document: has a "manifests" field/,
    ],
    [
      'an index that also has layers (CVE-2021-41190)',
      `{"schemaVersion":2,"mediaType":"${OCI_IMAGE_INDEX}","manifests":[],"layers":[]}`,
      /ambiguous document: has a "layers" field/,
    ],
  ])('refuses %s with E_MANIFEST_INVALID', (_name, text, message) => {
    const err = parseError(text);
    expect(err.code).toBe('E_MANIFEST_INVALID');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it('refuses bytes that are not UTF-8 as invalid JSON', () => {
    const err = parseError(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(err.code).toBe('E_MANIFEST_INVALID');
    expect(err.message).toMatch(/^manifest is not valid JSON: /);
  });

  it('refuses an unknown type that is neither a manifest nor an index with E_UNSUPPORTED', () => {
    const err = parseError(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json","blobs":[]}',
    );
    expect(err.code).toBe('E_UNSUPPORTED');
    expect(err.message).toContain('"application/vnd.oci.artifact.manifest.v1+json"');
  });
});
