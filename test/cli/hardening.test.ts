import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { checkShorthand } from '../../src/cli/shorthand.js';
import { parsePlatform } from '../../src/oci/types/index.js';
import { addImage, addIndex } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';
import { installStoreHelper } from '../registry/auth/credentials/store-helper.js';
import { runCli } from './capture.js';

/** Issue 11, items 2, 6, 10, 17 and parts of 20, through the CLI in-process. */

describe('the ocipull REF [DEST] shorthand does not swallow typos (item 2)', () => {
  it.each([
    ['inspcet', 'inspect'],
    ['digets', 'digest'],
    ['puhs', 'push'],
    ['lgoin', 'login'],
    ['ratelimt', 'ratelimit'],
  ])('%s is an unknown command (did you mean %s?), exit 2, nothing created', async (typo, command) => {
    const dir = await tempDir();
    const r = await runCli(['--retries', '0', typo, join(dir, 'out')], { env: await isolatedEnv() });
    expect(r.stderr).toContain(`ocipull: unknown command "${typo}" (did you mean ${command}?)`);
    expect(r.stderr).toContain(`hint: to pull an image named "${typo}", say so: ocipull pull ${typo}`);
    expect(r.code).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets the Docker Hub official images through, even the short ones near a command name', () => {
    const program = buildProgram(
      { stdout: { write: () => true }, stderr: { write: () => true }, env: {} },
      {
        exitCode: 0,
      },
    );
    const commands = program.commands.map((c) => c.name());
    const images = [
      'debian',
      'alpine',
      'perl',
      'rust',
      'ruby',
      'redis',
      'node',
      'php',
      'gcc',
      'unit',
      'caddy',
    ];
    for (const name of [
      ...images,
      'docker',
      'logstash',
      'registry',
      'vault',
      'tomcat',
      'hello-world',
      'pypy',
    ]) {
      expect(() => checkShorthand(name, undefined, commands), name).not.toThrow();
    }
  });

  it('pulls a qualified reference whose last part looks like a command', async () => {
    const reg = await faultRegistry();
    addImage(reg, 'inspcet', 'latest');
    const env = await isolatedEnv();
    const dir = await tempDir();
    const qualified = await runCli(['--progress=none', `${reg.host}/inspcet`, join(dir, 'a')], { env });
    expect(qualified.code, qualified.stderr).toBe(0);
    const explicit = await runCli(['pull', '--progress=none', `${reg.host}/inspcet`, join(dir, 'tags')], {
      env,
    });
    expect(explicit.code, explicit.stderr).toBe(0);
  });

  it('refuses a command name as DEST (ocipull debian:latest inspect must not pull into ./inspect)', async () => {
    const r = await runCli(['debian:latest', 'inspect'], { env: await isolatedEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'ocipull: "inspect" is a command, not a destination (did you mean ocipull inspect debian:latest?)',
    );
    expect(r.stderr).toContain('hint: to pull into a directory of that name, write ./inspect');
    await expect(readdir('inspect')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('pull --quiet (item 6)', () => {
  it('prints one line, the digest, and nothing on stderr', async () => {
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'v1');
    const dir = await tempDir();
    const r = await runCli(['pull', '-q', `${reg.host}/multi:v1`, join(dir, 'out')], {
      env: await isolatedEnv(),
    });
    expect(r).toEqual({ code: 0, stdout: `${idx.digest}\n`, stderr: '' });
    // The global flag before the shorthand works the same.
    const short = await runCli(['--quiet', `${reg.host}/multi:v1`, join(dir, 'out2')], {
      env: await isolatedEnv(),
    });
    expect(short).toEqual({ code: 0, stdout: `${idx.digest}\n`, stderr: '' });
  });
});

describe('--platform ARCH (item 20)', () => {
  it('reads an architecture alone as linux/ARCH, as docker and containerd do', async () => {
    expect(parsePlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(() => parsePlatform('linux')).toThrow(/invalid platform/);
    const reg = await faultRegistry();
    const idx = addIndex(reg, 'multi', 'v1');
    const r = await runCli(['digest', '--platform', 'arm64', `${reg.host}/multi:v1`], {
      env: await isolatedEnv(),
    });
    expect(r).toEqual({ code: 0, stdout: `${idx.children[1]!.digest}\n`, stderr: '' });
  });
});

describe('help text (item 20)', () => {
  it('has no hard-wrapped description, so commander can wrap it to the width', async () => {
    const program = buildProgram(
      { stdout: { write: () => true }, stderr: { write: () => true }, env: {} },
      {
        exitCode: 0,
      },
    );
    for (const command of [program, ...program.commands]) {
      expect(command.description(), command.name()).not.toContain('\n');
    }
    const help = (await runCli(['pull', '--help'])).stdout;
    const paragraph = help.slice(help.indexOf('\n\n') + 2, help.indexOf('\n\nArguments:')).split('\n');
    expect(paragraph.length).toBeGreaterThan(1);
    // Filled lines: every line but the last reaches close to the 80 columns commander wraps to.
    for (const line of paragraph.slice(0, -1)) expect(line.length, line).toBeGreaterThan(65);
  });
});

function stdinOf(text: string) {
  return Readable.from([Buffer.from(text)]);
}

describe('login (items 10 and 17)', () => {
  it('says that a registry without authentication checked nothing, and saves unverified', async () => {
    const reg = await faultRegistry();
    const env = await isolatedEnv();
    const r = await runCli(['login', '--username', 'me', '--password-stdin', reg.host], {
      env,
      stdin: stdinOf('pw\n'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('Login succeeded');
    expect(r.stderr).toContain(`warning: ${reg.host} does not require credentials`);
    expect(r.stderr).toContain(
      `Saved unverified credentials for ${reg.host} in ${env.DOCKER_CONFIG}/config.json`,
    );
    const config = JSON.parse(await readFile(join(env.DOCKER_CONFIG, 'config.json'), 'utf8'));
    expect(Object.keys(config.auths)).toEqual([reg.host]);
  });

  it('still says "Login succeeded" when the registry checked the password', async () => {
    const reg = await faultRegistry({ auth: { kind: 'basic', users: { me: 'pw' } } });
    const r = await runCli(['login', '--username', 'me', '--password-stdin', reg.host], {
      env: await isolatedEnv(),
      stdin: stdinOf('pw\n'),
    });
    expect(r.stderr).toContain(`Login succeeded: credentials for ${reg.host} saved in`);
    expect(r.code).toBe(0);
  });

  it('with a credsStore, stores through the helper so the next pull authenticates; logout erases there', async () => {
    const reg = await faultRegistry({ auth: { kind: 'basic', users: { me: 'pw' } } });
    addImage(reg, 'app', 'v1');
    reg.repo('app').users = ['me'];
    const env = await isolatedEnv();
    const box = {
      root: env.HOME,
      bin: join(env.HOME, 'bin'),
    } as Parameters<typeof installStoreHelper>[0];
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(box.bin, { recursive: true });
    await installStoreHelper(box, 'keys');
    await mkdir(env.DOCKER_CONFIG, { recursive: true });
    const configFile = join(env.DOCKER_CONFIG, 'config.json');
    await writeFile(configFile, JSON.stringify({ credsStore: 'keys' }));
    const withHelper = { ...env, PATH: `${box.bin}:${env.PATH}` };

    const login = await runCli(['login', '--username', 'me', '--password-stdin', reg.host], {
      env: withHelper,
      stdin: stdinOf('pw\n'),
    });
    expect(login.stderr).toBe(
      `Login succeeded: credentials for ${reg.host} saved in docker-credential-keys (credsStore in ${configFile})\n`,
    );
    expect(await readFile(configFile, 'utf8')).not.toContain(Buffer.from('me:pw').toString('base64'));
    const inspect = await runCli(['inspect', `${reg.host}/app:v1`], { env: withHelper });
    expect(inspect.stderr).toBe('');
    expect(inspect.code).toBe(0);

    const logout = await runCli(['logout', reg.host], { env: withHelper });
    expect(logout).toMatchObject({ code: 0, stderr: expect.stringContaining('Removed credentials') });
    const after = await runCli(['inspect', `${reg.host}/app:v1`], { env: withHelper });
    expect(after.code).toBe(4);
  });
});
