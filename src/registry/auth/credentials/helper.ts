import { OcipullError } from '../../../errors.js';
import type { Credential, Env } from './types.js';

/** How long a helper may run before it is killed. `gcloud`-style helpers can be slow, so be generous. */
export const defaultHelperTimeoutMs = 30_000;

/** Enough for any credential JSON; a helper printing more is misbehaving. */
const maxOutputBytes = 1024 * 1024;

/** Helper names are a program-name suffix; a `/` would turn the name into a path relative to the cwd. */
const helperNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Where a helper was configured, for messages: the file and whether it came from credHelpers or credsStore. */
export interface HelperOrigin {
  /** For example `docker config /root/.docker/config.json`. */
  file: string;
  setting: 'credHelpers' | 'credsStore';
}

export interface HelperGetOptions {
  /** The `<suffix>` of `docker-credential-<suffix>`. */
  helper: string;
  /** What goes to stdin: `https://index.docker.io/v1/` for Docker Hub, else `host[:port]`. */
  serverUrl: string;
  env: Env;
  origin: HelperOrigin;
  timeoutMs?: number | undefined;
}

/**
 * Runs `docker-credential-<helper> get` without a shell, with `env` (and so `env.PATH` for the lookup).
 * Returns null when the helper has no credential. Protocol: docker/docker-credential-helpers `client/client.go`
 * and `credentials/error.go`.
 */
export async function runHelperGet(opts: HelperGetOptions): Promise<Credential | null> {
  const program = checkedProgram(opts);
  const subject = `${program} get ${opts.serverUrl} (${opts.origin.setting} in ${opts.origin.file})`;
  const out = await runHelper(program, 'get', opts.serverUrl, subject, opts);
  return parseHelperOutput(out, subject);
}

/** What `runHelperStore` sends: the credential for `serverUrl`. */
export interface HelperStoreOptions extends HelperGetOptions {
  username: string;
  secret: string;
}

/**
 * Saves a credential with `docker-credential-<helper> store`, as `docker login` does when `credsStore` or
 * `credHelpers` names a helper (docker/cli `credentials/native_store.go`): `{ServerURL, Username, Secret}` on stdin.
 * Throws `E_AUTH` when the helper is missing or fails; the secret never appears in a message.
 */
export async function runHelperStore(opts: HelperStoreOptions): Promise<void> {
  const program = checkedProgram(opts);
  const subject = `${program} store ${opts.serverUrl} (${opts.origin.setting} in ${opts.origin.file})`;
  const input = JSON.stringify({ ServerURL: opts.serverUrl, Username: opts.username, Secret: opts.secret });
  const run = await runHelper(program, 'store', input, subject, opts);
  // A helper may quote its input in an error: mask the secret in what it printed before any of it is shown.
  const mask = (text: string) => (opts.secret === '' ? text : text.split(opts.secret).join('***'));
  if (run.code !== 0)
    failWith(subject, statusOf(run), { ...run, stdout: mask(run.stdout), stderr: mask(run.stderr) });
}

/**
 * Erases the credential for `serverUrl` with `docker-credential-<helper> erase`, as `docker logout` does.
 * Returns false when the helper held none ("credentials not found"); throws `E_AUTH` on any other failure.
 */
export async function runHelperErase(opts: HelperGetOptions): Promise<boolean> {
  const program = checkedProgram(opts);
  const subject = `${program} erase ${opts.serverUrl} (${opts.origin.setting} in ${opts.origin.file})`;
  const run = await runHelper(program, 'erase', opts.serverUrl, subject, opts);
  if (run.code === 0) return true;
  if (/credentials not found/i.test(`${run.stdout}\n${run.stderr}`)) return false;
  return failWith(subject, statusOf(run), run);
}

function checkedProgram(opts: HelperGetOptions): string {
  if (!helperNamePattern.test(opts.helper)) {
    throw new OcipullError(
      'E_AUTH',
      `${opts.origin.file}: ${opts.origin.setting} names an invalid helper ${JSON.stringify(opts.helper)}`,
      { hint: 'a helper name is the part after "docker-credential-", without slashes' },
    );
  }
  return `docker-credential-${opts.helper}`;
}

function statusOf(run: HelperRun): string {
  return run.signal === null ? `exited with status ${run.code}` : `was killed by ${run.signal}`;
}

interface HelperRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `program action` without a shell, writes `input` to its stdin and collects what it prints. */
async function runHelper(
  program: string,
  action: 'get' | 'store' | 'erase',
  input: string,
  subject: string,
  opts: HelperGetOptions,
): Promise<HelperRun> {
  const timeoutMs = opts.timeoutMs ?? defaultHelperTimeoutMs;
  // Loaded only when a helper runs: most commands never start one, and the module costs a few ms to load.
  const { spawn } = await import('node:child_process');
  return new Promise<HelperRun>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawn(program, [action], {
      env: definedEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const timer = setTimeout(() => {
      finish(() => {
        child.kill('SIGKILL');
        // A grandchild may still hold the pipes open; stop waiting for them.
        child.stdout.destroy();
        child.stderr.destroy();
        reject(new OcipullError('E_AUTH', `${subject}: no answer within ${Math.round(timeoutMs / 1000)} s`));
      });
    }, timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish(() => reject(spawnError(err, program, subject, opts)));
    });
    child.on('close', (code, signal) => {
      finish(() => resolve({ code, signal, stdout: stdout(), stderr: stderr() }));
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit status tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function spawnError(err: NodeJS.ErrnoException, program: string, subject: string, opts: HelperGetOptions) {
  if (err.code === 'ENOENT') {
    return new OcipullError('E_AUTH', `${subject}: ${program} is not installed (not found on PATH)`, {
      hint: `install ${program}, or remove "${opts.helper}" from ${opts.origin.setting} in ${opts.origin.file}`,
      cause: err,
    });
  }
  if (err.code === 'EACCES') {
    return new OcipullError('E_AUTH', `${subject}: ${program} is not executable`, { cause: err });
  }
  return new OcipullError('E_AUTH', `${subject}: cannot run ${program}: ${err.code ?? err.message}`, {
    cause: err,
  });
}

function collect(stream: NodeJS.ReadableStream): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (size >= maxOutputBytes) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

function definedEnv(env: Env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** The helper's reply: `{ServerURL, Username, Secret}`; Username `<token>` means Secret is an identity token. */
function parseHelperOutput(run: HelperRun, subject: string): Credential | null {
  if (run.code !== 0) {
    const text = `${run.stdout}\n${run.stderr}`;
    // Helpers print this on stdout with a non-zero exit; match loosely, some reword or use stderr.
    if (/credentials not found/i.test(text)) return null;
    return failWith(subject, statusOf(run), run);
  }
  let reply: unknown;
  try {
    reply = JSON.parse(run.stdout);
  } catch {
    throw new OcipullError('E_AUTH', `${subject}: printed something other than credential JSON`);
  }
  if (typeof reply !== 'object' || reply === null) {
    throw new OcipullError('E_AUTH', `${subject}: printed something other than credential JSON`);
  }
  const { Username: username, Secret: secret } = reply as Record<string, unknown>;
  if (typeof username !== 'string' || typeof secret !== 'string') {
    throw new OcipullError('E_AUTH', `${subject}: the reply lacks string "Username" and "Secret" fields`);
  }
  if (secret === '') return null;
  if (username === '<token>') return { kind: 'identity-token', username, identityToken: secret };
  if (username === '') throw new OcipullError('E_AUTH', `${subject}: the reply has an empty "Username"`);
  return { kind: 'basic', username, password: secret };
}

function failWith(subject: string, status: string, run: HelperRun): never {
  // Show the helper's first line of complaint, but never anything that looks like a credential reply.
  const line = `${run.stderr}\n${run.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  const detail = line === undefined || line.startsWith('{') ? '' : `: ${line.slice(0, 200)}`;
  throw new OcipullError('E_AUTH', `${subject}: ${status}${detail}`);
}
