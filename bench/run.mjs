#!/usr/bin/env node
// ocipull benchmark: pulls two generated images from a real registry on loopback with ocipull and with
// `skopeo copy`, alternating the two over several rounds, and prints median wall time, CPU time, peak RSS and
// the ocipull/skopeo ratio. Targets (issue #4): wall <= 0.95 x skopeo, peak RSS < 100 MiB, and a repeated pull
// into the same layout downloads no blob. Nothing here is a pass/fail test; it prints figures.
//
// Usage: npm run bench [-- --rounds N --big-mib M --keep --serve]
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { request } from 'undici';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 3);
const BIG_MIB = opt('big-mib', 256);
const KEEP = args.includes('--keep');
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'ocipull.js');

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

if (!has('docker-registry')) {
  console.log(
    'bench: docker-registry is not installed (apt-get install docker-registry); nothing to measure.',
  );
  process.exit(0);
}
const withSkopeo = has('skopeo');
if (!withSkopeo) console.log('bench: skopeo is not installed; measuring ocipull alone.');

const cacheDir = join(tmpdir(), 'ocipull-bench-cache');
await mkdir(cacheDir, { recursive: true });

/** Incompressible but reproducible bytes: AES-256-CTR of zeros with a key derived from `seed`. */
function randomStream(seed, bytes) {
  const key = createHash('sha256').update(`key-${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1024 * 1024);
  let left = bytes;
  return Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(left, zeros.length);
        left -= n;
        yield cipher.update(zeros.subarray(0, n));
      }
    })(),
  );
}

/** A gzip layer (the tar framing does not matter to a puller) cached on disk: returns path, digest, size. */
async function layer(seed, bytes) {
  const path = join(cacheDir, `layer-${seed}-${bytes}.gz`);
  const meta = `${path}.json`;
  if (existsSync(meta)) return JSON.parse(await readFile(meta, 'utf8'));
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    randomStream(seed, bytes),
    createGzip({ level: 1 }),
    async function* (src) {
      for await (const c of src) {
        hash.update(c);
        size += c.length;
        yield c;
      }
    },
    createWriteStream(path),
  );
  const info = { path, digest: `sha256:${hash.digest('hex')}`, size };
  await writeFile(meta, JSON.stringify(info));
  return info;
}

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startRegistry() {
  const dir = await mkdtemp(join(tmpdir(), 'ocipull-bench-reg-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await request(`${url}/v2/`);
      await r.body.dump();
      if (r.statusCode === 200)
        return { url, host: `127.0.0.1:${port}`, dir, stop: () => child.kill('SIGTERM') };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('registry did not start');
}

async function pushBlob(url, repo, info, body) {
  const head = await request(`${url}/v2/${repo}/blobs/${info.digest}`, { method: 'HEAD' });
  await head.body.dump();
  if (head.statusCode === 200) return;
  const post = await request(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await post.body.dump();
  const loc = new URL(post.headers.location, url);
  loc.searchParams.set('digest', info.digest);
  const put = await request(loc, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(info.size) },
    body: body ?? createReadStream(info.path),
  });
  await put.body.dump();
  if (put.statusCode !== 201) throw new Error(`push ${info.digest}: ${put.statusCode}`);
}

async function pushImage(reg, repo, layers) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const cinfo = {
    digest: `sha256:${createHash('sha256').update(config).digest('hex')}`,
    size: config.length,
  };
  await pushBlob(reg.url, repo, cinfo, config);
  for (const l of layers) await pushBlob(reg.url, repo, l);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cinfo },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: l.digest,
      size: l.size,
    })),
  });
  const r = await request(`${reg.url}/v2/${repo}/manifests/1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  await r.body.dump();
  if (r.statusCode !== 201) throw new Error(`push manifest ${repo}: ${r.statusCode}`);
}

/** Runs a command under python's getrusage(RUSAGE_CHILDREN) to get wall, CPU and peak RSS of that command. */
function measure(cmd) {
  const py =
    'import resource,subprocess,sys,time,json\nt=time.time()\np=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)\nw=time.time()-t\nr=resource.getrusage(resource.RUSAGE_CHILDREN)\nprint(json.dumps({"code":p.returncode,"wall":w,"cpu":r.ru_utime+r.ru_stime,"rss_kib":r.ru_maxrss,"stdout":p.stdout.decode()[-4000:],"stderr":p.stderr.decode()[-2000:]}))';
  const out = spawnSync('python3', ['-c', py, ...cmd], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const res = JSON.parse(out.stdout);
  if (res.code !== 0) throw new Error(`${cmd.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

console.log(`bench: generating data (cached in ${cacheDir}) …`);
const bigLayers = [];
for (let i = 0; i < 4; i++) bigLayers.push(await layer(`big${i}`, BIG_MIB * 1024 * 1024));
const smallLayers = [];
for (let i = 0; i < 40; i++) smallLayers.push(await layer(`small${i}`, 64 * 1024 + i * 24 * 1024));
const reg = await startRegistry();
const work = await mkdtemp(join(tmpdir(), 'ocipull-bench-out-'));
try {
  console.log(`bench: pushing to ${reg.url} …`);
  await pushImage(reg, 'bench/big', bigLayers);
  await pushImage(reg, 'bench/many', smallLayers);
  if (args.includes('--serve')) {
    // For profiling by hand: keep the registry up with both images until Ctrl-C.
    console.log(`bench: serving ${reg.host}/bench/big:1 and ${reg.host}/bench/many:1; Ctrl-C to stop`);
    await new Promise((r) => process.once('SIGINT', r));
    process.exitCode = 0;
  }
  const images = [
    { name: `big (4 x ${BIG_MIB} MiB gzip layers)`, repo: 'bench/big' },
    { name: 'many (40 small layers)', repo: 'bench/many' },
  ];
  const rows = [];
  for (const img of images) {
    const runs = { ocipull: [], skopeo: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['ocipull', 'skopeo'] : ['skopeo', 'ocipull'];
      for (const tool of order) {
        if (tool === 'skopeo' && !withSkopeo) continue;
        const dest = join(work, `${tool}-${round}-${img.repo.replace('/', '-')}`);
        const cmd =
          tool === 'ocipull'
            ? [process.execPath, bin, 'pull', '--quiet', '--json', `${reg.host}/${img.repo}:1`, dest]
            : [
                'skopeo',
                'copy',
                '--quiet',
                '--src-tls-verify=false',
                `docker://${reg.host}/${img.repo}:1`,
                `oci:${dest}:1`,
              ];
        runs[tool].push(measure(cmd));
        await rm(dest, { recursive: true, force: true });
      }
    }
    // A repeated pull into the same layout must download nothing.
    const again = join(work, 'again');
    measure([process.execPath, bin, 'pull', '--quiet', '--json', `${reg.host}/${img.repo}:1`, again]);
    const second = JSON.parse(
      measure([process.execPath, bin, 'pull', '--quiet', '--json', `${reg.host}/${img.repo}:1`, again])
        .stdout,
    );
    await rm(again, { recursive: true, force: true });
    for (const tool of ['ocipull', 'skopeo']) {
      if (runs[tool].length === 0) continue;
      rows.push({
        image: img.name,
        tool,
        wall: median(runs[tool].map((r) => r.wall)),
        cpu: median(runs[tool].map((r) => r.cpu)),
        rss: Math.max(...runs[tool].map((r) => r.rss_kib)) / 1024,
        repeatDownloaded: tool === 'ocipull' ? second.blobs.downloaded : undefined,
      });
    }
  }
  console.log(`\nbench: ${ROUNDS} rounds each, alternating tools; median wall and CPU seconds, max peak RSS`);
  console.log(
    'image                              tool      wall(s)  cpu(s)  peakRSS(MiB)  wall ratio  repeat pull',
  );
  for (const r of rows) {
    const sk = rows.find((x) => x.image === r.image && x.tool === 'skopeo');
    const ratio = r.tool === 'ocipull' && sk ? (r.wall / sk.wall).toFixed(2) : '';
    const repeat = r.repeatDownloaded === undefined ? '' : `${r.repeatDownloaded} blobs downloaded`;
    console.log(
      `${r.image.padEnd(35)}${r.tool.padEnd(10)}${r.wall.toFixed(2).padStart(7)}  ${r.cpu.toFixed(2).padStart(6)}  ${r.rss.toFixed(1).padStart(12)}  ${ratio.padStart(10)}  ${repeat}`,
    );
  }
  const size = (await Promise.all(bigLayers.map((l) => stat(l.path)))).reduce((n, s) => n + s.size, 0);
  console.log(
    `\nbig image: ${(size / 1024 / 1024).toFixed(0)} MiB of layers; machine: ${spawnSync('nproc').stdout.toString().trim()} cores`,
  );
} finally {
  reg.stop();
  if (!KEEP) await rm(work, { recursive: true, force: true });
  await rm(reg.dir, { recursive: true, force: true });
}
