/**
 * `ocipull lock` and `verify` against the offline Docker Hub stand-in (see dockerhub.test.ts: the real registry
 * behind a certificate for `registry-1.docker.io`, the token server as `auth.docker.io`, a CONNECT proxy that
 * tunnels only those two names). Counts the pulls a lock spends in the registry's own access log: manifest GETs
 * count, HEADs do not. A lock costs one GET per image; verify and `lock --update` with nothing moved cost none.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { baseLayer, platformLayer } from '../helpers/fixtures.js';
import { type BuiltArtifact, buildImage, buildIndex, buildLayer } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';
import { accessLinesUntil, logMark } from './copy-tools.js';
import { type ConnectProxy, startConnectProxy } from './dockerhub-proxy.js';

const HUB_API = 'registry-1.docker.io';
const HUB_AUTH = 'auth.docker.io';

describeWithTools(['docker-registry', 'openssl'], 'ocipull lock against Docker Hub, offline', () => {
  let registry: TestRegistry;
  let proxy: ConnectProxy;
  let home: string;

  async function push(repo: string, tag: string, built: BuiltArtifact) {
    const token = registry.tokenServer!.mint('pusher', [
      { type: 'repository', name: repo, actions: ['pull', 'push'] },
    ]);
    return pushImage(registry.url, repo, tag, built, {
      ca: registry.caCertPem!,
      authorization: `Bearer ${token}`,
    });
  }

  beforeAll(async () => {
    registry = await startRegistry({
      tls: true,
      auth: 'token',
      hosts: [HUB_API, HUB_AUTH],
      token: { realm: `https://${HUB_AUTH}/token`, service: 'registry.docker.io' },
    });
    proxy = await startConnectProxy({
      [`${HUB_API}:443`]: registry.port,
      [`${HUB_AUTH}:443`]: registry.tokenServer!.port,
    });
    home = await mkdtemp(join(tmpdir(), 'ocipull-lock-hub-'));
    const base = await baseLayer();
    const images = await Promise.all(
      ['linux/amd64', 'linux/arm64/v8'].map(async (platform) =>
        buildImage({ format: 'oci', platform, layers: [base, await platformLayer(platform)] }),
      ),
    );
    const busybox = await buildImage({
      format: 'docker',
      platform: 'linux/amd64',
      layers: [await buildLayer({ 'bin/busybox': { type: 'file', content: '#!/bin/sh\n', mode: 0o755 } })],
    });
    await push('library/debian', '12', buildIndex({ format: 'oci', images }));
    await push('library/busybox', '1', busybox);
  });

  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const env = () => ({
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    PATH: process.env.PATH,
    HTTPS_PROXY: proxy.url,
    NODE_EXTRA_CA_CERTS: registry.caCertPath!,
  });

  /** Runs ocipull and returns the manifest GETs (pulls) and HEADs the registry logged meanwhile. */
  async function counted(args: string[]) {
    const mark = await logMark(registry);
    const r = await runCli(args, { env: env() });
    const lines = await accessLinesUntil(registry, mark, (l) => l.path.includes('/manifests/'));
    const manifests = lines.filter((l) => l.path.includes('/manifests/'));
    return {
      r,
      gets: manifests.filter((l) => l.method === 'GET').length,
      heads: manifests.filter((l) => l.method === 'HEAD').length,
    };
  }

  it('a lock spends one pull per image, verify and an idle --update none', async () => {
    const file = join(home, 'ocipull.lock');
    const lock = await counted([
      'lock',
      '--file',
      file,
      '--json',
      '--platform',
      'linux/amd64',
      'debian:12',
      'busybox:1',
    ]);
    expect(lock.r.stderr).toBe('');
    expect(lock.r.code).toBe(0);
    expect(JSON.parse(lock.r.stdout).pulls).toBe(2);
    expect(lock.gets).toBe(2);
    expect(lock.heads).toBe(2);
    const text = await readFile(file, 'utf8');
    const images = JSON.parse(text).images;
    expect(Object.keys(images)).toEqual(['docker.io/library/busybox:1', 'docker.io/library/debian:12']);
    expect(images['docker.io/library/debian:12'].input).toBe('debian:12');
    expect(Object.keys(images['docker.io/library/debian:12'].platforms)).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
    ]);

    const verify = await counted(['verify', '--file', file]);
    expect(verify.r.code).toBe(0);
    expect(verify.gets).toBe(0);
    expect(verify.r.stdout).toContain('2 unchanged');
    const update = await counted(['lock', '--file', file, '--update']);
    expect(update.gets).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(text);

    const pull = await runCli(
      [
        'pull',
        '--locked',
        '--lockfile',
        file,
        '--platform',
        'linux/amd64',
        '--progress=none',
        'debian:12',
        join(home, 'debian'),
      ],
      { env: env() },
    );
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(`Digest:        ${images['docker.io/library/debian:12'].digest}`);
  });
});
