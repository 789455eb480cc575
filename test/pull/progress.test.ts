import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { runCli } from '../cli/capture.js';
import { FaultRegistry, serveBytes } from '../fakes/fault-registry.js';
import { addImage } from '../fakes/image.js';
import { hasTool } from '../helpers/tools.js';
import { BIN, isolatedEnv, pseudoRandomBytes, waitFor } from './process-helpers.js';

/** What `--progress` writes on stderr, and that stdout carries only the result. */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tempDir(prefix = 'ocipull-progress-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const ESC = '\x1b';
/** A regular expression in which `ESC` stands for the escape character (kept out of literals for the linter). */
const ansi = (source: string, flags?: string) => new RegExp(source.replaceAll('ESC', '\\u001b'), flags);
const SGR_COLOUR = ansi('ESC\\[(?:3|9)\\d(?:;\\d+)*m'); // foreground colours: 30-39, 90-97
const ANY_SGR = ansi('ESC\\[[\\d;]*m');
const CURSOR_UP = ansi('ESC\\[\\d+F');
// Line and cursor control: erase line, cursor up, erase below, hide and show the cursor.
const CURSOR_OR_ERASE = ansi('ESC\\[(?:2K|\\d+F|J|\\?25[lh])', 'g');
const GREEN = ansi('ESC\\[(?:\\d+;)*32m');

/** An image with a config and two layers (three blobs) and, optionally, a gate on its first layer. */
async function setup() {
  const reg = await FaultRegistry.start();
  cleanups.push(() => reg.close());
  const img = addImage(reg, 'team/app', 'v1', {
    layers: [pseudoRandomBytes(300 * 1024, 'p1'), pseudoRandomBytes(70 * 1024, 'p2')],
  });
  const blobs = [img.configDesc.digest, ...img.layers.map((l) => l.digest)];
  const home = await tempDir('ocipull-home-');
  return { reg, img, blobs, ref: `${reg.host}/team/app:v1`, env: isolatedEnv(home), dest: await tempDir() };
}

/** Holds every GET of one blob until `open()` is called (bounded, so a broken test fails instead of hanging). */
function gate(reg: FaultRegistry, digest: string, bytes: Buffer) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let held = 0;
  reg.hook(async (req, res) => {
    if (!req.url?.endsWith(`/blobs/${digest}`)) return false;
    held++;
    await Promise.race([opened, new Promise((r) => setTimeout(r, 10_000))]);
    serveBytes(req, res, bytes);
    return true;
  });
  return { open, held: () => held };
}

/** Runs the CLI in-process like `runCli`, but with stderr readable while it runs and the order of all writes. */
function runLive(argv: string[], env: Record<string, string | undefined>, tty: boolean) {
  let stdout = '';
  let stderr = '';
  const writes: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  const done = run(argv, {
    stdout: {
      write: (s: string | Uint8Array) => {
        writes.push({ stream: 'stdout', text: String(s) });
        stdout += String(s);
      },
      isTTY: tty,
      columns: 100,
    },
    stderr: {
      write: (s: string | Uint8Array) => {
        writes.push({ stream: 'stderr', text: String(s) });
        stderr += String(s);
      },
      isTTY: tty,
      columns: 100,
    },
    env,
  }).then((code) => ({ code, stdout, stderr, writes }));
  return { done, stderr: () => stderr };
}

const short = (d: string) => d.slice('sha256:'.length, 'sha256:'.length + 12);

describe('--progress=json', () => {
  it('writes only NDJSON events to stderr, from resolved to index-updated, and only the result to stdout', async () => {
    const { img, blobs, ref, env, dest } = await setup();
    const r = await runCli(['pull', '--json', '--progress=json', ref, dest], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => JSON.parse(l) as { type: string; time: string; digest?: string });
    for (const e of events) {
      expect(typeof e.type).toBe('string');
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('resolved');
    expect(types.at(-1)).toBe('index-updated');
    expect(types).toContain('manifests-written');
    expect(types).not.toContain('blob-progress');
    expect(
      events
        .filter((e) => e.type === 'blob-done')
        .map((e) => e.digest)
        .sort(),
    ).toEqual([...blobs].sort());
    expect(events.find((e) => e.type === 'resolved')).toMatchObject({ digest: img.digest, blobs: 3 });

    const out = r.stdout.split('\n');
    expect(out).toHaveLength(2);
    expect(out[1]).toBe('');
    expect(JSON.parse(out[0]!)).toMatchObject({ digest: img.digest, name: 'v1', layers: 2 });
  });

  it('without --json, stdout is the human summary and holds no events', async () => {
    const { ref, env, dest } = await setup();
    const r = await runCli(['pull', '--progress=json', ref, dest], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Pulled \S+ into \S+ as "v1"\n/);
    expect(r.stdout).not.toContain('"type"');
    expect(r.stderr.trim().split('\n').length).toBeGreaterThan(5);
  });
});

describe('--progress=plain, --quiet and the default off a TTY', () => {
  it('--progress=plain writes one done line per blob and no escape codes', async () => {
    const { blobs, ref, env, dest } = await setup();
    const r = await runCli(['pull', '--progress=plain', ref, dest], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Resolved \S+ to sha256:[a-f0-9]{64} \(3 blobs, /);
    const done = lines.filter((l) => /: done \(/.test(l));
    expect(done).toHaveLength(3);
    for (const d of blobs) expect(done.filter((l) => l.startsWith(`${short(d)}: done (`))).toHaveLength(1);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stdout).toMatch(/^Pulled /);

    const again = await runCli(['pull', '--progress=plain', ref, dest], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/: done \(/);
    expect(again.stderr.match(/: already exists \(/g)).toHaveLength(3);
  });

  it.each([
    ['-q before the command', ['-q', 'pull']],
    ['--quiet after the command', ['pull', '--quiet']],
    ['--quiet with --progress=plain', ['pull', '--quiet', '--progress=plain']],
    ['--quiet with --progress=json', ['pull', '--quiet', '--progress=json']],
  ])('%s writes nothing to stderr on success', async (_, args) => {
    const { ref, env, dest } = await setup();
    const r = await runCli([...args, '--json', ref, dest], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'v1' });
  });

  it('the default off a TTY is plain', async () => {
    const { blobs, ref, env, dest } = await setup();
    const r = await runCli(['pull', ref, dest], { env, tty: false });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Resolved /);
    expect(r.stderr.match(/: done \(/g)).toHaveLength(blobs.length);
    expect(r.stderr).not.toContain(ESC);
  });
});

describe('--progress=tty', () => {
  /** Pulls with the first layer held until a frame has been drawn, so the display must redraw in place. */
  async function ttyPull(args: string[], extraEnv: Record<string, string> = {}) {
    const s = await setup();
    const g = gate(s.reg, s.img.layers[0]!.digest, s.img.layers[0]!.bytes);
    const live = runLive(['pull', ...args, s.ref, s.dest], { ...s.env, ...extraEnv }, true);
    // A frame drawn while the layer is held was drawn mid-pull; everything after it must redraw in place.
    await waitFor(
      () => g.held() === 1 && live.stderr().includes(`${ESC}[2K`),
      'a progress frame while the layer is held',
      5_000,
    );
    g.open();
    const r = await live.done;
    expect(r.code, r.stderr).toBe(0);
    return { ...s, r };
  }

  /** The last frame drawn: its lines, with the erase-line codes removed. */
  function lastFrame(stderr: string): string[] {
    const frames = stderr.split(CURSOR_UP);
    return frames
      .at(-1)!
      .split('\n')
      .map((l) => l.replaceAll(`${ESC}[2K`, '').replace(ansi('ESC\\[(?:J|\\?25[lh])', 'g'), ''))
      .filter(Boolean);
  }

  it('redraws in place with cursor movement and ends on a total line of all blobs, in colour on a TTY', async () => {
    const { r, blobs } = await ttyPull(['--progress=tty']);
    expect(r.stderr).toMatch(CURSOR_UP);
    expect(r.stderr).toContain(`${ESC}[4F`); // three blob rows and the total
    expect(r.stderr).toMatch(SGR_COLOUR); // the control for the NO_COLOR test below
    const frame = lastFrame(r.stderr).map((l) => l.replaceAll(ansi('ESC\\[[\\d;]*m', 'g'), ''));
    expect(frame).toHaveLength(4);
    for (const d of blobs) expect(frame.filter((l) => l.startsWith(`${short(d)}: done`))).toHaveLength(1);
    expect(frame[3]).toMatch(/^3\/3 blobs, \d+(\.\d+)? KiB of \d+(\.\d+)? KiB, /);
    expect(r.stdout).not.toContain(ESC);
  });

  it.each([
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], {}],
  ])('%s drops colour codes but keeps cursor control', async (_, flags, extraEnv) => {
    const { r } = await ttyPull(['--progress=tty', ...flags], extraEnv);
    expect(r.stderr).not.toMatch(SGR_COLOUR);
    expect(r.stderr).not.toMatch(ANY_SGR);
    expect(r.stderr).toMatch(CURSOR_UP);
    // Every escape left is cursor or line control.
    expect(r.stderr.replace(CURSOR_OR_ERASE, '')).not.toContain(ESC);
    expect(lastFrame(r.stderr).at(-1)).toMatch(/^3\/3 blobs, /);
  });

  // Regression: the sink used to be closed twice, and ttyProgress.close() redrew each time, so a frame (cursor-up
  // included) was written after the summary.
  it('finishes drawing before the summary is printed, so nothing is drawn over it', async () => {
    const { r } = await ttyPull(['--progress=tty']);
    const firstOut = r.writes.findIndex((w) => w.stream === 'stdout');
    expect(firstOut).toBeGreaterThan(0);
    expect(r.writes.slice(firstOut).filter((w) => w.stream === 'stderr')).toEqual([]);
  });

  it('is the default on a TTY', async () => {
    const { r } = await ttyPull([]);
    expect(r.stderr).toMatch(CURSOR_UP);
    expect(r.stderr).not.toMatch(/^Resolved /m);
  });
});

describe('progress on a real terminal (tmux)', () => {
  const tmux = hasTool('tmux');
  if (!tmux) {
    console.warn(
      '\n*** tmux is not installed: SKIPPING the real-terminal progress tests (apt-get install tmux to run them) ***\n',
    );
  }

  /** Runs a default pull (auto progress) in a detached tmux pane and returns the final screen. */
  async function pullInTmux() {
    const s = await setup();
    const g = gate(s.reg, s.img.layers[0]!.digest, s.img.layers[0]!.bytes);
    const dir = await tempDir('ocipull-tmux-');
    const socket = join(dir, 'tmux.sock'); // a private server, removed with the directory
    const tmuxCmd = (...a: string[]) =>
      execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...a], { encoding: 'utf8', timeout: 5_000 });
    const env = Object.entries({ ...s.env, TERM: 'xterm' })
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const script = join(dir, 'run.sh');
    await writeFile(
      script,
      `env -i ${env} '${process.execPath}' '${BIN}' pull --retries 0 '${s.ref}' '${s.dest}'\necho "EXIT:$?"\nsleep 60\n`,
    );
    tmuxCmd('new-session', '-d', '-s', 'pull', '-x', '120', '-y', '30', `sh '${script}'`);
    cleanups.push(async () => {
      try {
        tmuxCmd('kill-server'); // our own server, on our own socket
      } catch {
        // already gone
      }
    });
    const pane = (colour = false) => tmuxCmd('capture-pane', '-p', ...(colour ? ['-e'] : []), '-t', 'pull');
    // The first layer is held until the terminal shows it downloading, so the display must redraw in place.
    await waitFor(() => pane().includes('downloading'), 'a downloading row on the terminal', 10_000);
    g.open();
    const screen = await waitFor(() => /EXIT:\d+/.test(pane()) && pane(), 'the pull to finish', 15_000);
    return { ...s, screen, coloured: pane(true) };
  }

  it.skipIf(!tmux)('bars end as one done row per blob, with no stale rows, in colour', async () => {
    const { screen, coloured, blobs } = await pullInTmux();
    expect(screen, screen).toContain('EXIT:0');
    expect(screen, screen).toMatch(/^3\/3 blobs, /m);
    expect(screen).not.toMatch(/waiting|downloading|verifying|\b[0-2]\/3 blobs/);
    for (const d of blobs) expect(screen, screen).toContain(`${short(d)}: done`);
    expect(screen).toMatch(/^Pulled /m);
    expect(coloured).toMatch(GREEN); // green "done" on a real terminal
  });

  // Regression: a second close() used to redraw after the summary, moving the cursor up over its last lines.
  (tmux ? it : it.skip)(
    'the summary stays whole on the screen and the total line is shown once',
    async () => {
      const { screen } = await pullInTmux();
      expect(screen.match(/\d+\/\d+ blobs, /g), screen).toEqual(['3/3 blobs, ']);
      for (const field of ['Digest:', 'Platform:', 'Layers:', 'Downloaded:', 'Time:'])
        expect(screen, screen).toMatch(new RegExp(`^${field} `, 'm'));
    },
  );
});

describe('progress on a small real terminal (tmux): 41 blobs', () => {
  const tmux = hasTool('tmux');

  /**
   * Pulls an image of 40 layers (41 blobs) in a detached tmux pane of `cols` x `rows`, with one layer held until a
   * frame shows it downloading (so later frames must redraw in place), optionally resizing the pane meanwhile.
   * Returns the whole history (scrollback and screen), with wrapped lines joined.
   */
  async function manyInTmux(cols: number, rows: number, resizeTo?: { cols: number; rows: number }) {
    const reg = await FaultRegistry.start();
    cleanups.push(() => reg.close());
    const layers = Array.from({ length: 40 }, (_, i) => pseudoRandomBytes(8 * 1024 + i * 512, `many${i}`));
    const img = addImage(reg, 'team/many', 'v1', { layers });
    const g = gate(reg, img.layers[0]!.digest, img.layers[0]!.bytes);
    const dir = await tempDir('ocipull-tmux-');
    const socket = join(dir, 'tmux.sock');
    const tmuxCmd = (...a: string[]) =>
      execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...a], { encoding: 'utf8', timeout: 5_000 });
    const env = Object.entries({ ...isolatedEnv(await tempDir('ocipull-home-')), TERM: 'xterm' })
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const script = join(dir, 'run.sh');
    await writeFile(
      script,
      `env -i ${env} '${process.execPath}' '${BIN}' pull --retries 0 '${reg.host}/team/many:v1' '${join(dir, 'out')}' >/dev/null\necho "EXIT:$?"\nsleep 60\n`,
    );
    tmuxCmd('new-session', '-d', '-s', 'many', '-x', String(cols), '-y', String(rows), `sh '${script}'`);
    tmuxCmd('set-option', '-t', 'many', 'history-limit', '5000');
    cleanups.push(async () => {
      try {
        tmuxCmd('kill-server');
      } catch {
        // already gone
      }
    });
    const pane = () => tmuxCmd('capture-pane', '-p', '-t', 'many');
    await waitFor(() => pane().includes('downloading'), 'a downloading row on the terminal', 10_000);
    if (resizeTo) {
      tmuxCmd('resize-window', '-t', 'many', '-x', String(resizeTo.cols), '-y', String(resizeTo.rows));
      await new Promise((r) => setTimeout(r, 300)); // a few redraws at the new size
    }
    g.open();
    await waitFor(() => /EXIT:\d+/.test(pane()), 'the pull to finish', 15_000);
    const history = tmuxCmd('capture-pane', '-p', '-J', '-S', '-', '-t', 'many');
    return {
      history,
      screen: tmuxCmd('capture-pane', '-p', '-J', '-t', 'many'),
      width: resizeTo?.cols ?? cols,
    };
  }

  it.skipIf(!tmux).each([
    [120, 20],
    [50, 30],
  ])('at %dx%d: one frame in the whole scrollback, no line wider than the terminal', async (cols, rows) => {
    const { history, width } = await manyInTmux(cols, rows);
    expect(history, history).toContain('EXIT:0');
    expect(history.match(/\d+\/41 blobs, /g), history).toEqual(['41/41 blobs, ']);
    expect(history).toMatch(/41 done, 0 waiting/);
    for (const line of history.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
  });

  // Shrinking reflows the frame already drawn (tmux wraps its wide lines), which may push its top into the
  // scrollback before ocipull can redraw; from then on every frame must fit the new size.
  it.skipIf(!tmux)(
    'follows a resize to a narrower terminal: the screen holds one frame that fits',
    async () => {
      const { screen, width } = await manyInTmux(120, 20, { cols: 60, rows: 24 });
      expect(screen, screen).toContain('EXIT:0');
      expect(screen.match(/\d+\/41 blobs, /g), screen).toEqual(['41/41 blobs, ']);
      expect(screen).toMatch(/41 done, 0 waiting/);
      for (const line of screen.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
    },
  );
});
