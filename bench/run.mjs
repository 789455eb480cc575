#!/usr/bin/env node
// ocipull benchmark. Everything runs against a real registry (docker-registry) on loopback, alternating the tools
// over several rounds (interleaved, so a noisy machine slows both alike), and prints medians and ratios.
//
// - one-shot: `node -e 0` (Node's own floor, in the same environment), then `ocipull --version`, `ref`, `--help`,
//   `digest` (one HEAD) and `inspect`, each as a ratio to `node -e 0`. Targets (issue #10): --version, ref and
//   --help <= 1.1 x, digest and inspect <= 1.8 x.
// - pull: three generated images (4 big layers, 40 small layers, one Debian-sized ~40 MiB layer) with
//   `ocipull pull` and `skopeo copy docker://… oci:…`, plus the network floor: one `curl` process fetching the same
//   blobs in parallel (`curl --parallel`, to files). Targets (issues #4 and #10): 40 layers <= 1.5 x skopeo,
//   Debian-sized <= 1.2 x, big <= 0.6 x, every pull's peak RSS <= 80 MiB, and a repeated pull into the same layout
//   downloads no blob.
// - copy: registry to registry, `ocipull copy` against `skopeo copy docker://A docker://B`, each run into a fresh
//   registry instance (so neither tool can mount or skip a blob: every blob is uploaded; see copyBench).
//   Targets (issue #8): wall <= 0.8 x skopeo on the big image, <= 1.5 x on the 40-layer one, peak RSS < 100 MiB,
//   and copying the same image again into the same destination uploads no blob (counted in the destination
//   registry's access log and in `--json` blobs.copied).
// Nothing here is a pass/fail test; it prints figures.
//
// Usage: npm run bench [-- --rounds N --big-mib M --only oneshot|pull|copy --keep --serve]
// (one-shot rows run 5 x N rounds: they are short and noisier.)
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, openSync } from 'node:fs';
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
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (ONLY !== undefined && !['oneshot', 'pull', 'copy'].includes(ONLY)) {
  console.error(`bench: --only takes oneshot, pull or copy, not ${JSON.stringify(ONLY)}`);
  process.exit(2);
}
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
const withCurl = has('curl');
if (!withCurl) console.log('bench: curl is not installed; no network floor.');

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

/**
 * Starts docker-registry on a free loopback port with its data in a new temp dir. With `accessLog`, its stdout
 * (the combined-format access log, one line per request) goes to `log`, for counting uploads.
 * `stop()` waits for the process to exit and removes the dir.
 */
async function startRegistry({ accessLog = false } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'ocipull-bench-reg-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: ${!accessLog}\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const log = join(dir, 'access.log');
  const fd = openSync(log, 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await request(`${url}/v2/`);
      await r.body.dump();
      if (r.statusCode === 200) return { url, host: `127.0.0.1:${port}`, dir, log, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('registry did not start');
}

/** Upload sessions (POST …/blobs/uploads/) in a registry's access log: plain ones and mount attempts. */
async function uploadsIn(reg, repo) {
  // The registry writes an access-log line after it has answered; give the last ones a moment to land.
  await new Promise((r) => setTimeout(r, 200));
  const text = await readFile(reg.log, 'utf8');
  let posts = 0;
  let mounts = 0;
  for (const line of text.split('\n')) {
    const m = /"POST (\/v2\/(.+?)\/blobs\/uploads\/\S*) HTTP/.exec(line);
    if (!m || (repo && m[2] !== repo)) continue;
    if (m[1].includes('mount=')) mounts++;
    else posts++;
  }
  return { posts, mounts };
}

/** The digest a registry answers for repo:tag (HEAD on the manifest). */
async function manifestDigest(reg, repo, tag) {
  const r = await request(`${reg.url}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept:
        'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json',
    },
  });
  await r.body.dump();
  return r.statusCode === 200 ? r.headers['docker-content-digest'] : `HTTP ${r.statusCode}`;
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

/** The config and layer descriptors of every pushed image, by repository: what the curl floor fetches. */
const blobsOf = new Map();

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
  blobsOf.set(repo, [cinfo, ...layers]);
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
function measure(cmd, env = process.env) {
  const py =
    'import resource,subprocess,sys,time,json\nt=time.time()\np=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)\nw=time.time()-t\nr=resource.getrusage(resource.RUSAGE_CHILDREN)\nprint(json.dumps({"code":p.returncode,"wall":w,"cpu":r.ru_utime+r.ru_stime,"rss_kib":r.ru_maxrss,"stdout":p.stdout.decode()[-4000:],"stderr":p.stderr.decode()[-2000:]}))';
  const out = spawnSync('python3', ['-c', py, ...cmd], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env,
  });
  const res = JSON.parse(out.stdout);
  if (res.code !== 0)
    throw Object.assign(new Error(`${cmd.join(' ')} failed (${res.code}): ${res.stderr}`), {
      short: `exit ${res.code}: ${res.stderr.trim().split('\n')[0]}`,
    });
  return res;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const pad = (v, n) => String(v).padStart(n);
const meets = (ok) => (ok ? 'met' : 'NOT met');

/** The command of one tool pulling `img` into `dest` (a directory, made fresh for every run). */
function pullCommand(tool, img, dest) {
  const ref = `${reg.host}/${img.repo}:1`;
  if (tool === 'ocipull') return [process.execPath, bin, 'pull', '--quiet', '--json', ref, dest];
  if (tool === 'skopeo')
    return ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${dest}:1`];
  // The network floor: one curl process fetching the image's config and layers in parallel, each to a file
  // (no manifest round trip, no digest check, no layout).
  const urls = blobsOf
    .get(img.repo)
    .flatMap((b, i) => ['-o', join(dest, `blob-${i}`), `${reg.url}/v2/${img.repo}/blobs/${b.digest}`]);
  return ['curl', '--silent', '--fail', '--parallel', '--parallel-max', '50', '--create-dirs', ...urls];
}

/**
 * Pulls each image with ocipull, skopeo (into a layout) and curl (the floor), alternating the order per round;
 * then a repeated pull. Returns the ocipull rows for the targets line.
 */
async function pullBench(images) {
  const rows = [];
  const tools = ['ocipull', ...(withSkopeo ? ['skopeo'] : []), ...(withCurl ? ['curl'] : [])];
  for (const img of images) {
    const runs = Object.fromEntries(tools.map((t) => [t, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? tools : [...tools].reverse();
      for (const tool of order) {
        const dest = join(work, `${tool}-${round}-${img.repo.replace('/', '-')}`);
        runs[tool].push(measure(pullCommand(tool, img, dest)));
        await rm(dest, { recursive: true, force: true });
      }
    }
    // A repeated pull into the same layout must download nothing.
    const again = join(work, 'again');
    measure(pullCommand('ocipull', img, again));
    const second = JSON.parse(measure(pullCommand('ocipull', img, again)).stdout);
    await rm(again, { recursive: true, force: true });
    for (const tool of tools) {
      rows.push({
        image: img.name,
        key: img.key,
        tool,
        wall: median(runs[tool].map((r) => r.wall)),
        cpu: median(runs[tool].map((r) => r.cpu)),
        rss: Math.max(...runs[tool].map((r) => r.rss_kib)) / 1024,
        repeatDownloaded: tool === 'ocipull' ? second.blobs.downloaded : undefined,
      });
    }
  }
  console.log(
    `\nbench: pull, ${ROUNDS} rounds each, alternating tools; median wall and CPU seconds, max peak RSS; curl is the network floor`,
  );
  console.log(
    'image                              tool      wall(s)  cpu(s)  peakRSS(MiB)  x skopeo   x curl  repeat pull',
  );
  for (const r of rows) {
    const of = (tool) => rows.find((x) => x.image === r.image && x.tool === tool);
    const sk = of('skopeo');
    const cu = of('curl');
    r.ratio = r.tool !== 'skopeo' && sk ? r.wall / sk.wall : undefined;
    const vsCurl = r.tool !== 'curl' && cu ? (r.wall / cu.wall).toFixed(2) : '';
    const repeat = r.repeatDownloaded === undefined ? '' : `${r.repeatDownloaded} blobs downloaded`;
    console.log(
      `${r.image.padEnd(35)}${r.tool.padEnd(10)}${r.wall.toFixed(2).padStart(7)}  ${r.cpu.toFixed(2).padStart(6)}  ${r.rss.toFixed(1).padStart(12)}  ${(r.ratio?.toFixed(2) ?? '').padStart(8)}  ${vsCurl.padStart(7)}  ${repeat}`,
    );
  }
  const ours = rows.filter((r) => r.tool === 'ocipull');
  const t = [];
  for (const [key, limit] of [
    ['many', 1.5],
    ['debian', 1.2],
    ['big', 0.6],
  ]) {
    const r = ours.find((x) => x.key === key);
    if (r?.ratio !== undefined)
      t.push(`${key} ${r.ratio.toFixed(2)} x skopeo (<= ${limit.toFixed(2)}: ${meets(r.ratio <= limit)})`);
  }
  const rss = Math.max(...ours.map((r) => r.rss));
  t.push(`peak RSS ${rss.toFixed(1)} MiB, every pull (<= 80: ${meets(rss <= 80)})`);
  const repeat = Math.max(...ours.map((r) => r.repeatDownloaded));
  t.push(`repeat pull ${repeat} blobs downloaded (0: ${meets(repeat === 0)})`);
  console.log(`pull targets (issues #4, #10): ${t.join('; ')}`);
}

/**
 * One-shot commands as CI runs them, each a fresh process, against `node -e 0` in the same environment (which
 * includes whatever Node itself does at start, e.g. parsing NODE_EXTRA_CA_CERTS). Interleaved: every round runs
 * every command once, in an order that rotates per round.
 */
function oneshotBench() {
  const many = `${reg.host}/bench/many:1`;
  const cmds = [
    { name: 'node -e 0', cmd: [process.execPath, '-e', '0'] },
    { name: 'ocipull --version', cmd: [process.execPath, bin, '--version'], limit: 1.1 },
    { name: 'ocipull ref alpine', cmd: [process.execPath, bin, 'ref', 'alpine'], limit: 1.1 },
    { name: 'ocipull --help (piped)', cmd: [process.execPath, bin, '--help'], limit: 1.1 },
    { name: 'ocipull digest (one HEAD)', cmd: [process.execPath, bin, 'digest', many], limit: 1.8 },
    { name: 'ocipull inspect', cmd: [process.execPath, bin, 'inspect', many], limit: 1.8 },
    // For comparison, no target: a cache directory that cannot be written (under /proc), so every run compiles
    // the CLI bundle from source, as the first run of each command of a new build does.
    {
      name: 'ocipull digest, no code cache',
      cmd: [process.execPath, bin, 'digest', many],
      env: { ...process.env, XDG_CACHE_HOME: '/proc/ocipull-bench-no-cache' },
    },
  ];
  const rounds = ROUNDS * 5;
  const runs = cmds.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < cmds.length; k++) {
      const i = (k + round) % cmds.length;
      runs[i].push(measure(cmds[i].cmd, cmds[i].env));
    }
  }
  const floor = median(runs[0].map((r) => r.wall));
  console.log(
    `\nbench: one-shot commands, ${rounds} rounds, interleaved; median wall and CPU milliseconds, max peak RSS; node -e 0 is Node's floor`,
  );
  console.log('command                            wall(ms)  cpu(ms)  peakRSS(MiB)  x node -e 0  target');
  const t = [];
  cmds.forEach((c, i) => {
    const wall = median(runs[i].map((r) => r.wall));
    const cpu = median(runs[i].map((r) => r.cpu));
    const rss = Math.max(...runs[i].map((r) => r.rss_kib)) / 1024;
    const ratio = wall / floor;
    const target = c.limit ? `<= ${c.limit.toFixed(1)}: ${meets(ratio <= c.limit)}` : '';
    if (c.limit) t.push(`${c.name.replace('ocipull ', '').replace(' (one HEAD)', '')} ${ratio.toFixed(2)}`);
    console.log(
      `${c.name.padEnd(35)}${(wall * 1000).toFixed(1).padStart(8)}  ${(cpu * 1000).toFixed(1).padStart(7)}  ${rss.toFixed(1).padStart(12)}  ${ratio.toFixed(2).padStart(11)}  ${target}`,
    );
  });
  console.log(`one-shot ratios to node -e 0 (issue #10): ${t.join('; ')}`);
}

/**
 * Registry to registry: `ocipull copy` against `skopeo copy docker://A docker://B`, alternating. Every run goes into
 * a fresh registry instance (new port, empty storage) and a fresh repository name, so every blob is uploaded: the
 * source is another registry (no cross-repository mount applies), and skopeo's blob-info cache
 * (/var/lib/containers/cache/blob-info-cache-v1.boltdb as root) would otherwise remember where earlier runs put
 * the blobs and mount them from those repositories instead of uploading (seen in the access log). The upload
 * sessions of each run are counted in the destination's access log to show that both tools uploaded everything.
 */
async function copyBench(images) {
  const rows = [];
  const notes = [];
  const ocipullCopy = (src, dst) => [process.execPath, bin, 'copy', '--progress=none', '--json', src, dst];
  const skopeoCopy = (src, dst) => [
    'skopeo',
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${src}`,
    `docker://${dst}`,
  ];
  /** A failed copy is noted and the bench goes on: one broken row should not hide the others. */
  const attempt = (what, cmd) => {
    try {
      return measure(cmd);
    } catch (err) {
      if (!err.short) throw err;
      notes.push(`${what} failed: ${err.short}`);
      return undefined;
    }
  };
  // Warm-up: the first copy writes copy's code cache (src/cli/code-cache.ts), so no round pays for it.
  const warm = await startRegistry();
  try {
    attempt('warm-up copy', ocipullCopy(`${reg.host}/bench/many:1`, `${warm.host}/warm/up:1`));
  } finally {
    await warm.stop();
  }
  for (const img of images) {
    const short = img.repo.split('/')[1];
    const srcRef = `${reg.host}/${img.repo}:1`;
    const srcDigest = await manifestDigest(reg, img.repo, '1');
    const runs = { ocipull: [], skopeo: [] };
    const failed = { ocipull: 0, skopeo: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['ocipull', 'skopeo'] : ['skopeo', 'ocipull'];
      for (const tool of order) {
        if (tool === 'skopeo' && !withSkopeo) continue;
        const dst = await startRegistry({ accessLog: true });
        try {
          const repo = `mirror/${short}-${tool}-${round}`;
          const dstRef = `${dst.host}/${repo}:1`;
          const what = `${short}, ${tool}, round ${round + 1}`;
          const res = attempt(
            what,
            tool === 'ocipull' ? ocipullCopy(srcRef, dstRef) : skopeoCopy(srcRef, dstRef),
          );
          if (!res) {
            failed[tool]++;
            continue;
          }
          res.uploads = await uploadsIn(dst, repo);
          runs[tool].push(res);
          const got = await manifestDigest(dst, repo, '1');
          if (got !== srcDigest)
            notes.push(`${what}: digest ${got} at the destination, ${srcDigest} at the source`);
        } finally {
          await dst.stop();
        }
      }
    }
    // Copying the same image again into the same destination must upload nothing.
    let repeat;
    const dst = await startRegistry({ accessLog: true });
    try {
      const repo = `mirror/${short}-repeat`;
      const dstRef = `${dst.host}/${repo}:1`;
      if (attempt(`${short}, ocipull, first copy for the repeat`, ocipullCopy(srcRef, dstRef))) {
        const before = await uploadsIn(dst, repo);
        const res = attempt(`${short}, ocipull, repeat copy`, ocipullCopy(srcRef, dstRef));
        const after = await uploadsIn(dst, repo);
        const second = res && JSON.parse(res.stdout);
        repeat = second && {
          sessions: after.posts + after.mounts - before.posts - before.mounts,
          copied: second.blobs.copied,
          existing: second.blobs.existing,
        };
      }
    } finally {
      await dst.stop();
    }
    for (const tool of ['ocipull', 'skopeo']) {
      if (runs[tool].length === 0 && failed[tool] === 0) continue;
      const ok = runs[tool];
      const posts = [...new Set(ok.map((r) => r.uploads.posts))].join('/');
      const mounts = Math.max(0, ...ok.map((r) => r.uploads.mounts));
      rows.push({
        image: img.name,
        tool,
        ok: ok.length,
        failed: failed[tool],
        wall: ok.length ? median(ok.map((r) => r.wall)) : Number.NaN,
        cpu: ok.length ? median(ok.map((r) => r.cpu)) : Number.NaN,
        rss: ok.length ? Math.max(...ok.map((r) => r.rss_kib)) / 1024 : Number.NaN,
        uploads: mounts ? `${posts} +${mounts} mnt` : posts,
        repeat: tool === 'ocipull' ? (repeat ?? 'failed') : undefined,
      });
    }
  }
  console.log(
    `\nbench: copy registry to registry, each run into a fresh registry; ${ROUNDS} rounds each, alternating tools; median wall and CPU seconds, max peak RSS`,
  );
  console.log(
    'image                              tool      wall(s)  cpu(s)  peakRSS(MiB)  wall ratio  uploads/run  repeat copy',
  );
  const num = (x, n) => (Number.isNaN(x) ? '-' : x.toFixed(2)).padStart(n);
  for (const r of rows) {
    const sk = rows.find((x) => x.image === r.image && x.tool === 'skopeo');
    r.ratio = r.tool === 'ocipull' && sk && r.ok && sk.ok ? r.wall / sk.wall : undefined;
    let repeat = '';
    if (r.repeat === 'failed') repeat = 'failed (see notes)';
    else if (r.repeat)
      repeat = `${r.repeat.sessions} blobs uploaded (--json: ${r.repeat.copied} copied, ${r.repeat.existing} already there)`;
    const failures = r.failed ? `  [${r.failed} of ${r.ok + r.failed} runs failed]` : '';
    console.log(
      `${r.image.padEnd(35)}${r.tool.padEnd(10)}${num(r.wall, 7)}  ${num(r.cpu, 6)}  ${(Number.isNaN(r.rss) ? '-' : r.rss.toFixed(1)).padStart(12)}  ${(r.ratio?.toFixed(2) ?? '').padStart(10)}  ${pad(r.uploads || '-', 11)}  ${repeat}${failures}`,
    );
  }
  for (const n of notes) console.log(`note: ${n}`);
  const ours = rows.filter((r) => r.tool === 'ocipull');
  const big = ours.find((r) => r.image === images[0].name);
  const many = ours.find((r) => r.image === images[1].name);
  const t = [];
  if (big?.ratio !== undefined)
    t.push(`big wall ${big.ratio.toFixed(2)} x skopeo (<= 0.80: ${meets(big.ratio <= 0.8)})`);
  if (many?.ratio !== undefined)
    t.push(`many wall ${many.ratio.toFixed(2)} x skopeo (<= 1.50: ${meets(many.ratio <= 1.5)})`);
  const rss = Math.max(...ours.filter((r) => r.ok).map((r) => r.rss));
  if (Number.isFinite(rss)) t.push(`peak RSS ${rss.toFixed(1)} MiB (< 100: ${meets(rss < 100)})`);
  const repeats = ours.map((r) => r.repeat);
  if (repeats.every((x) => typeof x === 'object')) {
    const n = Math.max(...repeats.map((x) => x.sessions));
    t.push(`repeat copy ${n} blobs uploaded (0: ${meets(n === 0)})`);
  } else t.push('repeat copy: failed (NOT met)');
  console.log(`copy targets (issue #8): ${t.join('; ')}`);
}

console.log(`bench: generating data (cached in ${cacheDir}) …`);
const bigLayers = [];
for (let i = 0; i < 4; i++) bigLayers.push(await layer(`big${i}`, BIG_MIB * 1024 * 1024));
const smallLayers = [];
for (let i = 0; i < 40; i++) smallLayers.push(await layer(`small${i}`, 64 * 1024 + i * 24 * 1024));
// debian:12's one layer is ~48 MiB of gzip; 40 MiB of incompressible data is the same order.
const debianLayer = await layer('debian', 40 * 1024 * 1024);
const reg = await startRegistry();
const work = await mkdtemp(join(tmpdir(), 'ocipull-bench-out-'));
// ocipull's V8 code caches (src/cli/code-cache.ts, one per command) in a directory of the bench's own, written by
// warm-up runs below: the rows measure the steady state of a machine that has run ocipull before, as CI runners
// with a persistent home do. The first run of each command of a new ocipull build pays about 50 ms more.
process.env.XDG_CACHE_HOME = join(work, 'xdg-cache');
try {
  console.log(`bench: pushing to ${reg.url} …`);
  await pushImage(reg, 'bench/big', bigLayers);
  await pushImage(reg, 'bench/many', smallLayers);
  await pushImage(reg, 'bench/debian', [debianLayer]);
  if (args.includes('--serve')) {
    // For profiling by hand: keep the registry up with both images, and an empty one to copy into, until Ctrl-C;
    // then stop both and measure nothing.
    const dst = await startRegistry({ accessLog: true });
    console.log(`bench: serving ${reg.host}/bench/big:1 and ${reg.host}/bench/many:1; Ctrl-C to stop`);
    console.log(`bench: empty destination registry ${dst.host} (access log: ${dst.log})`);
    await new Promise((r) => process.once('SIGINT', r));
    await dst.stop();
  } else {
    const images = [
      { key: 'big', name: `big (4 x ${BIG_MIB} MiB gzip layers)`, repo: 'bench/big' },
      { key: 'many', name: 'many (40 small layers)', repo: 'bench/many' },
    ];
    const debian = { key: 'debian', name: 'debian-sized (one 40 MiB layer)', repo: 'bench/debian' };
    // One run of each command writes its code cache (one per command, src/cli/code-cache.ts); copyBench warms up
    // copy's.
    measure([process.execPath, bin, 'digest', `${reg.host}/bench/many:1`]);
    measure([process.execPath, bin, 'inspect', `${reg.host}/bench/many:1`]);
    measure([process.execPath, bin, 'pull', '--quiet', `${reg.host}/bench/many:1`, join(work, 'warm-up')]);
    await rm(join(work, 'warm-up'), { recursive: true, force: true });
    if (ONLY === undefined || ONLY === 'oneshot') oneshotBench();
    if (ONLY === undefined || ONLY === 'pull') await pullBench([...images, debian]);
    if (ONLY === undefined || ONLY === 'copy') await copyBench(images);
    const size = (await Promise.all(bigLayers.map((l) => stat(l.path)))).reduce((n, s) => n + s.size, 0);
    console.log(
      `\nbig image: ${(size / 1024 / 1024).toFixed(0)} MiB of layers; machine: ${spawnSync('nproc').stdout.toString().trim()} cores; ${process.version}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
    );
  }
} finally {
  if (!KEEP) await rm(work, { recursive: true, force: true });
  await reg.stop();
}
