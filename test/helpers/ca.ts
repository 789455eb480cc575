/**
 * A throwaway certificate authority for TLS tests, made with the `openssl` CLI (execFile, no shell).
 *
 * The server certificate names `IP:127.0.0.1` and `DNS:localhost` (plus any extra hosts, e.g. `auth.docker.io`
 * for the offline Docker Hub set-up of TESTING.md). Go (docker-registry) ignores the CN, so the SANs matter.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A key pair with a certificate, as files and as PEM text. */
export interface CertificatePair {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

/** A test CA, the server certificate it signed and, when asked for, a token-signing certificate. */
export interface TestCa {
  /** Directory holding every file below. */
  dir: string;
  /** The CA certificate: trust this (undici `connect.ca`, `NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`). */
  caCertPath: string;
  caCertPem: string;
  /** A directory holding only `ca.crt`, for `skopeo --cert-dir` (it trusts every `*.crt` in it). */
  certDir: string;
  /** Server certificate (leaf, signed by the CA) and its key, for docker-registry and the token server. */
  server: CertificatePair;
  /** Subject alternative names of the server certificate, e.g. `['IP:127.0.0.1', 'DNS:localhost']`. */
  subjectAltNames: string[];
  /** Self-signed certificate whose key signs registry tokens; present when `tokenSigning` was requested. */
  tokenSigning?: CertificatePair;
}

/** Options of {@link createTestCa}. */
export interface TestCaOptions {
  /** Extra host names or IP addresses for the server certificate, besides 127.0.0.1 and localhost. */
  hosts?: readonly string[];
  /** Also create a token-signing key pair and self-signed certificate (for `auth.token.rootcertbundle`). */
  tokenSigning?: boolean;
}

const DAYS = '2';

function opensslConfig(subjectAltNames: readonly string[]): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    'CN = ocipull test',
    '[ca_ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    '[server_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid,issuer',
    `subjectAltName = ${subjectAltNames.join(',')}`,
    '[signing_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature',
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd, timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

async function readPair(dir: string, name: string): Promise<CertificatePair> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { certPath, keyPath, certPem, keyPem };
}

/** The SAN entries for `hosts`: IP addresses as `IP:`, names as `DNS:`, always including 127.0.0.1 and localhost. */
export function subjectAltNamesFor(hosts: readonly string[] = []): string[] {
  const all = ['127.0.0.1', 'localhost', ...hosts];
  return [...new Set(all.map((host) => (isIP(host) ? `IP:${host}` : `DNS:${host}`)))];
}

/** Self-signed RSA 2048 certificate in `dir` named `name.crt`/`name.key`, e.g. for signing tokens. */
async function selfSigned(
  dir: string,
  config: string,
  name: string,
  cn: string,
  ext: string,
): Promise<CertificatePair> {
  await openssl(
    [
      'req',
      '-x509',
      '-config',
      config,
      '-extensions',
      ext,
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
    ].concat(['-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', DAYS, '-subj', `/CN=${cn}`]),
    dir,
  );
  return readPair(dir, name);
}

/**
 * Creates a self-signed RSA 2048 certificate for signing registry tokens (RS256) in `dir`.
 * docker-registry trusts tokens whose `kid` is the libtrust fingerprint of this certificate's key.
 */
export async function createSigningCert(
  dir: string,
  commonName = 'ocipull test token issuer',
): Promise<CertificatePair> {
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'signing-openssl.cnf');
  await writeFile(config, opensslConfig(subjectAltNamesFor()));
  return selfSigned(dir, config, 'token-signing', commonName, 'signing_ext');
}

/**
 * Creates a CA and a server certificate signed by it in `dir` (created if missing); see {@link TestCa}.
 */
export async function createTestCa(dir: string, options: TestCaOptions = {}): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const subjectAltNames = subjectAltNamesFor(options.hosts);
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, opensslConfig(subjectAltNames));

  const [, tokenSigning] = await Promise.all([
    selfSigned(dir, config, 'ca', 'ocipull test CA', 'ca_ext'),
    options.tokenSigning
      ? selfSigned(dir, config, 'token-signing', 'ocipull test token issuer', 'signing_ext')
      : undefined,
    openssl(
      ['req', '-new', '-config', config, '-newkey', 'rsa:2048', '-nodes', '-sha256'].concat([
        '-keyout',
        'server.key',
        '-out',
        'server.csr',
        '-subj',
        '/CN=localhost',
      ]),
      dir,
    ),
  ]);
  await openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-sha256', '-days', DAYS]
      .concat(['-set_serial', `0x${randomBytes(16).toString('hex')}`])
      .concat(['-extfile', config, '-extensions', 'server_ext', '-out', 'server.crt']),
    dir,
  );

  const certDir = join(dir, 'certs.d');
  await mkdir(certDir, { recursive: true });
  const caCertPem = await readFile(join(dir, 'ca.crt'), 'utf8');
  await writeFile(join(certDir, 'ca.crt'), caCertPem);

  const ca: TestCa = {
    dir,
    caCertPath: join(dir, 'ca.crt'),
    caCertPem,
    certDir,
    server: await readPair(dir, 'server'),
    subjectAltNames,
  };
  if (tokenSigning) ca.tokenSigning = tokenSigning;
  return ca;
}
