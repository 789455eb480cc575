import { createInterface } from 'node:readline';
import { OcipullError } from '../../errors.js';
import { writeLogin, writeLogout } from '../../registry/auth/index.js';
import type { CommandContext } from '../context.js';
import { homeOf, openClient, readStdinSecret } from '../open-client.js';
import type { RegistryFlags } from '../registry-options.js';

/**
 * Turns what people type after `login` into a registry domain: `docker.io`, `index.docker.io`,
 * `https://index.docker.io/v1/` and `registry-1.docker.io` all mean Docker Hub; a scheme and path are dropped.
 */
export function loginDomain(input: string | undefined): string {
  if (!input) return 'docker.io';
  const host = input
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  if (host === '' || /\s/.test(host))
    throw new OcipullError('E_USAGE', `login: ${JSON.stringify(input)} is not a registry host`);
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host) ? 'docker.io' : host;
}

function ask(ctx: CommandContext, question: string, hidden: boolean): Promise<string> {
  const stdin = ctx.io.stdin;
  if (!stdin || !(stdin as { isTTY?: boolean }).isTTY) {
    throw new OcipullError('E_USAGE', 'login: no terminal to prompt on', {
      hint: 'pass --username USER --password-stdin and pipe the password in',
    });
  }
  const output = ctx.io.stderr as NodeJS.WritableStream;
  const rl = createInterface({ input: stdin, output, terminal: true });
  if (hidden) {
    // Echo nothing while the password is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(question)) output.write(question);
    };
  }
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) output.write('\n');
      resolve(answer);
    });
  });
}

/**
 * `ocipull login [REGISTRY]`: checks the credentials against the registry (a token exchange or Basic auth on
 * `/v2/`) and only then saves them in Docker's config.json format (or to `--authfile`), or through the credential
 * helper that file names for the registry. A registry that asks for no credentials gets them saved unverified,
 * with a warning, since its pushes may still ask.
 */
export async function loginCommand(
  [input]: [string | undefined],
  flags: RegistryFlags,
  ctx: CommandContext,
): Promise<number> {
  const domain = loginDomain(input);
  const username = flags.username ?? (await ask(ctx, 'Username: ', false));
  const password = flags.passwordStdin ? await readStdinSecret(ctx) : await ask(ctx, 'Password: ', true);
  if (!username || !password)
    throw new OcipullError('E_USAGE', 'login: username and password must not be empty');
  const client = await openClient(
    domain,
    undefined,
    { ...flags, username: undefined, passwordStdin: false, creds: `${username}:${password}` },
    ctx,
  );
  let checked: boolean;
  try {
    await client.verifyCredentials();
    // A registry whose /v2/ answers without a challenge checks nothing: say so instead of "Login succeeded".
    checked = client.session.requiresAuth;
  } catch (err) {
    if (err instanceof OcipullError && err.code === 'E_AUTH') {
      // The generic hint says "run ocipull login", which is what just failed.
      throw new OcipullError('E_AUTH', `log in to ${domain}: ${err.message}`, {
        hint: 'check the username and password (for a token, pass it as the password); nothing was saved',
        cause: err,
      });
    }
    throw err;
  } finally {
    await client.close();
  }
  const written = await writeLogin({
    domain,
    username,
    password,
    authfile: flags.authfile,
    env: ctx.io.env,
    homedir: homeOf(ctx),
  });
  const where = written.helper ?? written.path;
  if (checked) {
    ctx.info(`Login succeeded: credentials for ${domain} saved in ${where}`);
  } else {
    ctx.info(
      `warning: ${domain} does not require credentials (GET /v2/ answered without asking), so they were not checked`,
    );
    ctx.info(`Saved unverified credentials for ${domain} in ${where}`);
  }
  return 0;
}

/** `ocipull logout [REGISTRY]`: removes the saved credentials for a registry. */
export async function logoutCommand(
  [input]: [string | undefined],
  flags: { authfile?: string },
  ctx: CommandContext,
): Promise<number> {
  const domain = loginDomain(input);
  const r = await writeLogout({ domain, authfile: flags.authfile, env: ctx.io.env, homedir: homeOf(ctx) });
  const where = r.helper ?? r.path;
  ctx.info(
    r.removed
      ? `Removed credentials for ${domain} from ${where}`
      : `No credentials for ${domain} in ${where}`,
  );
  return 0;
}
