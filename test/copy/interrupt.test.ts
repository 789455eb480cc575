import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FaultRegistry } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';
import {
  type CliChild,
  isolatedEnv,
  killChild,
  pseudoRandomBytes,
  StallingBlob,
  spawnCli,
  waitExit,
  waitFor,
} from '../pull/process-helpers.js';

/**
 * `ocipull copy` as a real process interrupted mid-upload (build first: `npm test` does): the source (the in-process
 * fault registry) stalls halfway through a 4 MiB layer while the real registry receives the upload. Ctrl-C must exit
 * 130 with one line, cancel the open upload with DELETE, and leave no manifest at the destination.
 */

const MiB = 1024 * 1024;
const BIG = pseudoRandomBytes(4 * MiB, 'copy-interrupt');
const STALL_AFTER = 1536 * 1024;

const children: CliChild[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(killChild));
  while (cleanups.length) await cleanups.pop()!();
});

describeWithTools(['docker-registry'], 'ocipull copy as a process: SIGINT mid-upload', () => {
  let dst: TestRegistry;
  beforeAll(async () => {
    dst = await startRegistry();
  });
  afterAll(async () => {
    await dst?.stop();
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s exits 130, cancels the upload and pushes no manifest',
    async (signal) => {
      const src = await FaultRegistry.start();
      cleanups.push(() => src.close());
      const img = addImage(src, 'app', 'v1', { layers: [BIG] });
      const layer = img.layers[0]!.digest;
      const stall = new StallingBlob(layer, BIG, STALL_AFTER).install(src);
      cleanups.push(async () => stall.destroy());
      const home = await mkdtemp(join(tmpdir(), 'ocipull-home-'));
      cleanups.push(() => rm(home, { recursive: true, force: true }));

      const repo = `interrupted/${signal.toLowerCase()}`;
      const c = spawnCli(
        ['copy', '--progress=none', '--retries', '0', `${src.host}/app:v1`, `${dst.host}/${repo}:v1`],
        isolatedEnv(home),
      );
      children.push(c);
      // Mid-upload: the source has sent its first 1.5 MiB and the registry has an upload session open for the layer.
      await waitFor(
        async () => {
          if (!c.running()) throw new Error(`ocipull exited early: ${c.stderr()}`);
          return (
            stall.sent === STALL_AFTER && (await dst.readLog()).includes(`POST /v2/${repo}/blobs/uploads/`)
          );
        },
        'the copy to be mid-upload',
        15_000,
      );
      c.proc.kill(signal);
      const exit = await waitExit(c, 10_000, `ocipull after ${signal}`);
      expect(exit, `stderr: ${c.stderr()}`).toEqual({ code: 130, signal: null });
      expect(c.stderr()).toMatch(/^ocipull: [^\n]*interrupted[^\n]*\n$/i);
      expect(c.stdout()).toBe('');

      const log = await dst.readLog();
      // distribution answers 204, or 404 BLOB_UPLOAD_INVALID when the half-sent PUT already invalidated the `_state`
      // in our Location; either way it drops the upload.
      expect(log).toMatch(new RegExp(`"DELETE /v2/${repo}/blobs/uploads/[^ ]+ HTTP/1.1" (204|404)`));
      expect(log).not.toMatch(new RegExp(`"PUT /v2/${repo}/manifests/`));
      const head = await fetch(`${dst.url}/v2/${repo}/manifests/v1`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(head.status).toBe(404);
    },
  );
});
