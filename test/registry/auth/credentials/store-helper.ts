import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';

/**
 * Installs `docker-credential-<name>` as a real program (a Node script) that implements get, store and erase over
 * a JSON file, like a keychain would, and logs each call's action and server URL (never the secret) to the
 * returned log file. `failStore` makes `store` fail the way a locked keychain does.
 */
export async function installStoreHelper(
  box: Sandbox,
  name: string,
  opts: { failStore?: boolean } = {},
): Promise<{ log: string; db: string }> {
  const db = join(box.root, `${name}.db.json`);
  const log = join(box.root, `${name}.calls.log`);
  const script = `#!${process.execPath}
const fs = require('node:fs');
const [db, log, failStore] = [${JSON.stringify(db)}, ${JSON.stringify(log)}, ${opts.failStore === true}];
const action = process.argv[2];
const input = fs.readFileSync(0, 'utf8');
const store = fs.existsSync(db) ? JSON.parse(fs.readFileSync(db, 'utf8')) : {};
const server = action === 'store' ? JSON.parse(input).ServerURL : input.trim();
fs.appendFileSync(log, action + ' ' + server + '\\n');
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (action === 'store') {
  if (failStore) { process.stdout.write('error storing credentials - err: keychain is locked\\n'); process.exit(1); }
  store[server] = JSON.parse(input);
  fs.writeFileSync(db, JSON.stringify(store));
} else if (action === 'get') {
  if (!store[server]) notFound();
  process.stdout.write(JSON.stringify(store[server]));
} else if (action === 'erase') {
  if (!store[server]) notFound();
  delete store[server];
  fs.writeFileSync(db, JSON.stringify(store));
} else {
  process.stdout.write('unknown action ' + action + '\\n');
  process.exit(1);
}
`;
  const file = join(box.bin, `docker-credential-${name}`);
  await writeFile(file, script);
  await chmod(file, 0o755);
  return { log, db };
}
