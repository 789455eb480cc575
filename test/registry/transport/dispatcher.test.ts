import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/registry/transport/index.js';

const servers: Server[] = [];
const savedEnv = { ...process.env };
afterEach(async () => {
  process.env = { ...savedEnv };
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function options(proxy: { httpProxy?: string; noProxy?: string }) {
  return {
    tlsVerify: true,
    extraCa: [],
    proxy,
    maxRedirections: 5,
    headersTimeoutMs: 5_000,
    bodyTimeoutMs: 5_000,
  };
}

describe('createDispatcher proxy settings', () => {
  it('takes proxy settings only from what it is given, never from process.env', async () => {
    const target = await listen(createServer((_req, res) => res.end('direct')));
    const seen: string[] = [];
    // A CONNECT proxy (undici tunnels through proxies): records each tunnel and relays it to the target.
    const proxy = createServer((_req, res) => {
      res.statusCode = 405;
      res.end();
    });
    proxy.on('connect', (req, client, head) => {
      seen.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    const proxyPort = await listen(proxy);
    // process.env says "bypass the proxy for 127.0.0.1"; the given settings do not.
    process.env.NO_PROXY = '127.0.0.1';
    process.env.no_proxy = '127.0.0.1';
    const dispatcher = createDispatcher(options({ httpProxy: `http://127.0.0.1:${proxyPort}` }));
    const res = await request(`http://127.0.0.1:${target}/v2/`, { dispatcher });
    expect(await res.body.text()).toBe('direct');
    expect(seen).toEqual([`127.0.0.1:${target}`]);
    await dispatcher.close();
  });
});
