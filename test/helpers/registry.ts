/**
 * Starts the real registry (CNCF distribution 2.8, `docker-registry serve CONFIG`) on 127.0.0.1 with a temp
 * config and data dir, optionally with TLS from a test CA and token or htpasswd auth. See TESTING.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { createTestCa, type TestCa } from './ca.js';
import { writeHtpasswd } from './htpasswd.js';
import { freePort } from './ports.js';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server.js';
import { type Credentials, pushUserOf, TEST_USERS, type TestUser } from './users.js';

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Serve HTTPS with a certificate from a fresh test CA. */
  tls?: boolean;
  /** Token auth (with an in-process token server) or htpasswd (Basic) auth; none by default. */
  auth?: 'token' | 'htpasswd';
  /** Extra names for the server certificate (TLS only). */
  hosts?: readonly string[];
  /** Users for token or htpasswd auth (default TEST_USERS: alice, bob, pusher). */
  users?: Readonly<Record<string, TestUser>>;
  /** More token-server options (acl, expiresIn, service, realm override, …). */
  token?: Omit<TokenServerOptions, 'signing' | 'tls' | 'users'> & {
    /** `auth.token.realm` as the registry announces it (default: the token server's own URL). */
    realm?: string;
  };
  /** How long to wait for `GET /v2/` to answer (default 15 s). */
  startTimeoutMs?: number;
  /**
   * `http.relativeurls: true`: upload `Location` headers are relative (`/v2/…/blobs/uploads/…`), which a client
   * must resolve against the request URL (TESTING.md).
   */
  relativeUrls?: boolean;
  /**
   * Proxy mode, as a pull-through cache of `remoteUrl` (`proxy.remoteurl`), logging in upstream as
   * `username`/`password` when given (TESTING.md).
   */
  proxy?: { remoteUrl: string; username?: string; password?: string };
}

/** A running registry. */
export interface TestRegistry {
  /** e.g. `http://127.0.0.1:40123` or `https://127.0.0.1:40123`. */
  url: string;
  /** `127.0.0.1:PORT`, for references such as `127.0.0.1:40123/oci/image:1`. */
  host: string;
  port: number;
  tls: boolean;
  auth: 'none' | 'token' | 'htpasswd';
  relativeUrls: boolean;
  /** Temp dir holding everything below; removed by `stop()`. */
  rootDir: string;
  dataDir: string;
  configPath: string;
  logPath: string;
  /** With TLS: the CA to trust. */
  ca?: TestCa;
  caCertPath?: string;
  caCertPem?: string;
  tokenServer?: TokenServer;
  users: Readonly<Record<string, TestUser>>;
  /** Credentials with push rights when auth is on. */
  pushCredentials?: Credentials;
  readLog(): Promise<string>;
  /** SIGTERM, SIGKILL after 3 s, then stops the token server and removes `rootDir`. Idempotent. */
  stop(): Promise<void>;
}

/** Registry processes still running, killed if the test process exits without `stop()`. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited(child).then(() => false), sleep(3000).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  running.delete(child);
}

async function logTail(logPath: string, lines = 30): Promise<string> {
  try {
    return (await readFile(logPath, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Environment for the registry: ours minus REGISTRY_* variables, which would override the config. */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_')));
}

/** Polls `GET /v2/` until it answers 200 or 401; fails early if the process exits. */
async function waitReady(url: string, child: ChildProcess, ca: string | undefined, timeoutMs: number) {
  const dispatcher = new Agent({ connect: ca ? { ca } : {} });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`docker-registry exited early (code ${child.exitCode}, signal ${child.signalCode})`);
      }
      try {
        const res = await request(`${url}/v2/`, { dispatcher, headersTimeout: 2000, bodyTimeout: 2000 });
        await res.body.dump();
        if (res.statusCode === 200 || res.statusCode === 401) return;
        lastError = new Error(`GET /v2/ answered ${res.statusCode}`);
      } catch (err) {
        lastError = err;
      }
      await sleep(50);
    }
    throw new Error(`docker-registry did not answer GET ${url}/v2/ within ${timeoutMs} ms`, {
      cause: lastError,
    });
  } finally {
    await dispatcher.close();
  }
}

/**
 * Starts docker-registry; see {@link RegistryOptions}. Retries on a lost port race; on failure, cleans up and
 * throws with the tail of the registry's log.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  installExitHook();
  const rootDir = await mkdtemp(join(tmpdir(), 'ocipull-registry-'));
  const dataDir = join(rootDir, 'data');
  const configPath = join(rootDir, 'config.yml');
  const logPath = join(rootDir, 'registry.log');
  const users = options.users ?? TEST_USERS;
  const tls = options.tls ?? false;
  const auth = options.auth ?? 'none';
  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;

  const cleanUp = async () => {
    if (child) await kill(child);
    await tokenServer?.stop();
    await rm(rootDir, { recursive: true, force: true });
  };

  try {
    await mkdir(dataDir);
    const ca =
      tls || auth === 'token'
        ? await createTestCa(join(rootDir, 'ca'), {
            tokenSigning: auth === 'token',
            hosts: options.hosts ?? [],
          })
        : undefined;

    const config: Record<string, unknown> = {
      version: '0.1',
      log: { level: 'info', formatter: 'text' },
      storage: {
        filesystem: { rootdirectory: dataDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      health: { storagedriver: { enabled: false } },
    };
    const http: Record<string, unknown> = { secret: 'ocipull-test-secret' };
    if (tls && ca) http.tls = { certificate: ca.server.certPath, key: ca.server.keyPath };
    if (options.relativeUrls) http.relativeurls = true;
    if (options.proxy) {
      const { remoteUrl, username, password } = options.proxy;
      config.proxy = { remoteurl: remoteUrl, ...(username ? { username, password } : {}) };
    }

    if (auth === 'token') {
      const { realm, ...tokenOptions } = options.token ?? {};
      tokenServer = await startTokenServer({
        ...tokenOptions,
        users,
        signing: ca!.tokenSigning!,
        ...(tls ? { tls: ca!.server } : {}),
      });
      config.auth = {
        token: {
          realm: realm ?? tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: ca!.tokenSigning!.certPath,
        },
      };
    } else if (auth === 'htpasswd') {
      const path = join(rootDir, 'htpasswd');
      await writeHtpasswd(path, users);
      config.auth = { htpasswd: { realm: 'ocipull-test-registry', path } };
    }

    const scheme = tls ? 'https' : 'http';
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // JSON is YAML; docker-registry reads it as its YAML config.
      await writeFile(
        configPath,
        JSON.stringify({ ...config, http: { ...http, addr: `127.0.0.1:${port}` } }, null, 2),
      );
      const log = openSync(logPath, 'a');
      try {
        child = spawn('docker-registry', ['serve', configPath], {
          cwd: rootDir,
          env: registryEnv(),
          stdio: ['ignore', log, log],
        });
      } finally {
        closeSync(log);
      }
      running.add(child);
      child.on('error', () => {}); // reported through spawnError below; later errors must not crash the worker
      const spawnError = new Promise<never>((_, reject) => child!.once('error', reject));
      const url = `${scheme}://127.0.0.1:${port}`;
      try {
        await Promise.race([waitReady(url, child, ca?.caCertPem, timeoutMs), spawnError]);
      } catch (err) {
        await kill(child);
        const tail = await logTail(logPath);
        if (attempt < 3 && tail.includes('address already in use')) continue;
        throw new Error(`${(err as Error).message}\n--- registry.log tail (temp dir removed) ---\n${tail}`, {
          cause: err,
        });
      }

      const started = child;
      let stopping: Promise<void> | undefined;
      const registry: TestRegistry = {
        url,
        host: `127.0.0.1:${port}`,
        port,
        tls,
        auth,
        relativeUrls: options.relativeUrls ?? false,
        rootDir,
        dataDir,
        configPath,
        logPath,
        users,
        readLog: () => readFile(logPath, 'utf8'),
        stop: () => {
          stopping ??= (async () => {
            await kill(started);
            await tokenServer?.stop();
            await rm(rootDir, { recursive: true, force: true });
          })();
          return stopping;
        },
      };
      if (ca && tls) {
        registry.ca = ca;
        registry.caCertPath = ca.caCertPath;
        registry.caCertPem = ca.caCertPem;
      }
      if (tokenServer) registry.tokenServer = tokenServer;
      const pushCredentials = auth === 'none' ? undefined : pushUserOf(users);
      if (pushCredentials) registry.pushCredentials = pushCredentials;
      return registry;
    }
  } catch (err) {
    await cleanUp();
    throw err;
  }
}
