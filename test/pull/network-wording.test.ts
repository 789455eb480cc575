import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toNetworkError } from '../../src/registry/transport/index.js';
import { runCli } from '../cli/capture.js';
import { addImage } from '../fakes/image.js';
import { faultRegistry, isolatedEnv, tempDir } from '../fakes/scope.js';

/**
 * How network faults read, and how long they take (issue 11, items 16 and 20): a refused connection on loopback
 * fails at once, a body cut mid-transfer is not "registry unreachable", and a disk error passing through the
 * network layer is an I/O error in words.
 */

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function pull(args: string[]) {
  return runCli(['pull', '--progress=none', ...args], { env: await isolatedEnv() });
}

describe('network faults', () => {
  it('a refused connection on loopback fails at once, in words, without retries', async () => {
    const port = await closedPort();
    const dest = join(await tempDir(), 'out');
    await pull(['--retries', '0', `127.0.0.1:${port}/team/app:v1`, dest]); // loads the modules
    const started = Date.now();
    const r = await pull(['--retries', '3', `127.0.0.1:${port}/team/app:v1`, dest]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`registry unreachable: connection refused by 127.0.0.1:${port}`);
    expect(r.stderr).not.toContain('ECONNREFUSED');
  });

  it('a body cut mid-transfer (every time) says the connection broke, not "registry unreachable"', async () => {
    const reg = await faultRegistry();
    const layer = Buffer.alloc(64 * 1024, 3);
    const img = addImage(reg, 'team/app', 'v1', { layers: [layer] });
    reg.hook((req, res) => {
      if (req.method !== 'GET' || !req.url?.endsWith(`/blobs/${img.layers[0]!.digest}`)) return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': layer.length });
      res.write(layer.subarray(0, 1000), () => res.destroy());
      return true;
    });
    const r = await pull(['--retries', '1', `${reg.host}/team/app:v1`, join(await tempDir(), 'out')]);
    expect(r.code).toBe(6);
    expect(r.stderr).not.toContain('unreachable');
    expect(r.stderr).toMatch(/connection broke mid-transfer|body ended after/);
  });

  it('a disk error reaching the network layer is an I/O error in words', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const e = toNetworkError(enospc, 'fetch blob sha256:abc');
    expect(e.code).toBe('E_IO');
    expect(e.message).toBe('fetch blob sha256:abc: no space left on device');
    expect(e.message).not.toContain('unreachable');
  });
});
