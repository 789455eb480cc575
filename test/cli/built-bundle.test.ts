/**
 * The built CLI (`bin/ocipull.js` → `dist/cli/`, so `npm run build` first) against the real registry
 * (docker-registry 2.8), as child processes. The CLI bundle takes undici through internal paths
 * (scripts/undici-slim.cjs, scripts/undici-no-h2.cjs), which are not undici's semver surface: these tests run every
 * part of undici that ocipull uses through the bundle (plain HTTP, TLS with token auth through an HTTPS_PROXY
 * CONNECT tunnel, redirects are covered in-process), and check that Node's own undici and node:http2 stay out.
 * They also run `--jobs 12` and `--jobs 24`, since every request adds an abort listener to the run's one signal
 * (Node warns from 11 listeners on).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../fakes/scope.js';
import { type BuiltImage, buildImage, buildLayer, deterministicBytes } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';
import { type ConnectProxy, startConnectProxy } from '../integration/dockerhub-proxy.js';
import { type CliRun, runBin } from '../pull/process-helpers.js';

const HOST = 'registry.bundle.test';
const AUTH = 'auth.bundle.test';

/** `node [nodeArgs] bin/ocipull.js args` with exactly `env`; killed after 60 s so a hang fails instead. */
function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  nodeArgs: string[] = [],
): Promise<CliRun> {
  return runBin(args, env, { nodeArgs, timeoutMs: 60_000 });
}

async function env(extra: Record<string, string> = {}): Promise<Record<string, string | undefined>> {
  const home = await tempDir('ocipull-bundle-home-');
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: process.env.PATH,
    ...extra,
  };
}

/** An OCI image of `n` layers of 256 KiB each, so a pull keeps many requests in flight at once. */
async function manyLayers(n: number): Promise<BuiltImage> {
  const layers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      buildLayer({ [`data/${i}`]: deterministicBytes(256 * 1024, `bundle-${i}`) }, { compression: 'none' }),
    ),
  );
  return buildImage({ format: 'oci', layers });
}

/** Blob files in an OCI layout, and the digests its index.json names. */
async function layoutOf(dir: string): Promise<{ index: string[] }> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  return { index: index.manifests.map((m) => m.digest) };
}

it.each([['--version'], ['-V'], ['--debug', '--version']])(
  'ocipull %s prints package.json’s version and exits 0 (the fast path and commander agree)',
  async (...args: string[]) => {
    const { version } = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    const r = await runCli(args, await env());
    expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  },
);

it('--debug stack traces point into src/ (the bundle is loaded so that Node applies its source map)', async () => {
  const r = await runCli(['--debug', 'inspect', 'Bad::ref'], await env());
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/at \S+ \(\S*src\/reference\/\w+\.ts:\d+:\d+\)/);
  expect(r.stderr).not.toMatch(/dist\/cli\/cli\.cjs:\d+/);
});

describeWithTools(['docker-registry'], 'the built CLI bundle against docker-registry 2.8', () => {
  let plain: TestRegistry;
  let secure: TestRegistry;
  let proxy: ConnectProxy;
  let image: BuiltImage;

  beforeAll(async () => {
    [plain, secure, image] = await Promise.all([
      startRegistry(),
      startRegistry({
        tls: true,
        auth: 'token',
        hosts: [HOST, AUTH],
        token: { realm: `https://${AUTH}/token` },
      }),
      manyLayers(24),
    ]);
    proxy = await startConnectProxy({
      [`${HOST}:443`]: secure.port,
      [`${AUTH}:443`]: secure.tokenServer!.port,
    });
    // The realm's name resolves only through the proxy: push straight to the loopback port with a minted token.
    const token = secure.tokenServer!.mint('pusher', [
      { type: 'repository', name: 'bundle/many', actions: ['pull', 'push'] },
    ]);
    const options = { ca: secure.caCertPem!, authorization: `Bearer ${token}` };
    await Promise.all([
      pushImage(plain.url, 'bundle/many', '1', image),
      pushImage(secure.url, 'bundle/many', '1', image, options),
    ]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([plain?.stop(), secure?.stop()]);
  });

  it.each([12, 24])(
    'pull --jobs %i over plain HTTP: the image, and no MaxListenersExceededWarning',
    async (jobs) => {
      const dir = await tempDir('ocipull-bundle-');
      const out = join(dir, 'out');
      const r = await runCli(
        ['pull', '--progress=plain', '--jobs', String(jobs), `${plain.host}/bundle/many:1`, out],
        await env(),
        ['--trace-warnings'],
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/MaxListenersExceededWarning|Warning:/);
      expect((await layoutOf(out)).index).toEqual([image.manifestDigest]);
    },
  );

  it('pull --jobs 12 over TLS with token auth through an HTTPS_PROXY tunnel', async () => {
    const dir = await tempDir('ocipull-bundle-');
    const out = join(dir, 'out');
    proxy.reset();
    const r = await runCli(
      ['pull', '--progress=plain', '--jobs', '12', `${HOST}/bundle/many:1`, out],
      await env({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: secure.caCertPath! }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/MaxListenersExceededWarning|Warning:/);
    expect((await layoutOf(out)).index).toEqual([image.manifestDigest]);
    expect(proxy.targets()).toEqual([`${AUTH}:443`, `${HOST}:443`]);
    expect(proxy.refused()).toEqual([]);
  });

  it('digest and inspect load neither Node’s internal undici nor node:http2', async () => {
    const dir = await tempDir('ocipull-bundle-');
    // Preloaded CommonJS (-r): prints the built-in modules the process loaded, as it exits.
    const probe = join(dir, 'probe.cjs');
    await writeFile(
      probe,
      "process.on('exit', () => require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify(process.moduleLoadList) + '\\n'));\n",
    );
    const loaded = (stderr: string) => JSON.parse(/^LOADED (.*)$/m.exec(stderr)![1]!) as string[];
    for (const args of [
      ['digest', `${plain.host}/bundle/many:1`],
      ['inspect', `${plain.host}/bundle/many:1`],
      ['digest', `${HOST}/bundle/many:1`],
    ]) {
      const r = await runCli(
        args,
        await env({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: secure.caCertPath! }),
        ['-r', probe],
      );
      expect(r.code, r.stderr).toBe(0);
      if (args[0] === 'digest') expect(r.stdout).toBe(`${image.manifestDigest}\n`);
      const modules = loaded(r.stderr);
      // The probe itself works: the HTTP client's own modules are in the list.
      expect(modules).toContain('NativeModule net');
      expect(
        modules.filter((m) => /undici|http2/.test(m)),
        args.join(' '),
      ).toEqual([]);
    }
  });
});
