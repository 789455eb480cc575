/**
 * bcrypt htpasswd files for docker-registry's `auth.htpasswd` (it accepts bcrypt only).
 *
 * Node has no bcrypt and the project takes no dependency for it, so hashes come from glibc's crypt(3) through
 * `perl` (perl-base is Essential on Debian, so it is always there). Cost 5 keeps the registry's checks fast.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { TestUser } from './users.js';

const execFileAsync = promisify(execFile);

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function bcryptSalt(): string {
  const bytes = randomBytes(22);
  let salt = '';
  for (let i = 0; i < 21; i++) salt += BCRYPT_ALPHABET[bytes[i]! & 63];
  // The 22nd character carries only 2 significant bits; canonical salts use one of these four.
  salt += '.Oeu'[bytes[21]! & 3];
  return `$2b$05$${salt}`;
}

/** bcrypt hash of `password` via crypt(3). */
export async function bcryptHash(password: string): Promise<string> {
  const { stdout } = await execFileAsync('perl', [
    '-e',
    'print crypt($ARGV[0], $ARGV[1])',
    password,
    bcryptSalt(),
  ]);
  if (!/^\$2[aby]\$05\$[./A-Za-z0-9]{53}$/.test(stdout)) {
    throw new Error(`crypt(3) on this system does not do bcrypt (got ${JSON.stringify(stdout)})`);
  }
  return stdout;
}

/** Writes an htpasswd file with a bcrypt line per user. */
export async function writeHtpasswd(path: string, users: Readonly<Record<string, TestUser>>): Promise<void> {
  const lines = await Promise.all(
    Object.entries(users).map(async ([name, user]) => `${name}:${await bcryptHash(user.password)}`),
  );
  await writeFile(path, `${lines.join('\n')}\n`);
}
