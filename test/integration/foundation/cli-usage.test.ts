import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';

/**
 * The executable as a user meets it: a copy of the checkout's tracked files (no dist/), the install's
 * `prepare` step (what `npm ci` runs), then runs of node_modules/.bin/zendesk-destination.
 * No command here reaches Kafka or Zendesk: --help and usage errors must decide before anything starts.
 */
let dir: string;
/** What the issue names: node_modules/.bin/zendesk-destination, run as an executable (shebang and mode). */
const bin = () => join(dir, 'node_modules', '.bin', 'zendesk-destination');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(bin(), args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    // Brokers nobody listens on: a command that wrongly started work would fail or hang, not pass.
    env: {
      // `env node` in the shebang finds this Node first.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      KAFKA_BROKERS: '127.0.0.1:9',
      ZENDESK_URL: 'http://127.0.0.1:9',
      ...env,
    },
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zd-fresh-'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
  for (const f of files.filter((f) => f && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  // The installed dependencies, each linked; .bin/ empty, as npm leaves it for the project's own executable.
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules')).filter((e) => e !== '.bin'))
    symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  expect(existsSync(join(dir, 'dist'))).toBe(false);
  const prepare = spawnSync('npm', ['run', 'prepare'], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  expect(prepare.status, prepare.stderr).toBe(0);
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the installed executable', () => {
  it('npm ci (its prepare step) leaves a working executable: --version prints the package version', () => {
    expect(existsSync(join(dir, 'dist', 'cli.js'))).toBe(true);
    expect(lstatSync(bin()).isSymbolicLink()).toBe(true);
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it.each([
    [['--help']],
    [['help', 'run']],
    [['run', '--help']],
    [['produce', '--help']],
    [['dlq', '--help']],
    [['dlq', 'list', '--help']],
    [['dlq', 'show', '--help']],
    [['dlq', 'replay', '--help']],
    [['explain', '--help']],
    [['sandbox', '--help']],
  ])('%j prints usage on stdout and exits 0 without starting anything', (args) => {
    const r = cli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: zendesk-destination/);
    expect(r.stderr).toBe('');
  });

  it('run --help documents KAFKA_RETRY_TOPIC; dlq replay --help documents --since, --until and --to', () => {
    expect(cli(['run', '--help']).stdout).toContain('KAFKA_RETRY_TOPIC');
    const replay = cli(['dlq', 'replay', '--help']).stdout;
    for (const flag of ['--since <when>', '--until <when>', '--to <topic>', '--dry-run', '--again'])
      expect(replay).toContain(flag);
  });

  it.each([
    [[], /Usage: zendesk-destination/],
    [['bogus'], /unknown command 'bogus'/],
    [['run', '--nope'], /unknown option '--nope'/],
    [['run', 'extra'], /too many arguments/],
    [['dlq', 'foo'], /unknown dlq action 'foo' \(list, show, replay\)/],
    [['dlq', 'list', 'extra'], /too many arguments for 'list'/],
    [['dlq', 'show', '--limit', '0'], /--limit.*positive integer/],
    [['dlq', 'replay', '--since', 'yesterday'], /--since.*ISO 8601/],
    [['dlq', 'replay', '--since', '2026-11-02', '--until', '2026-11-01'], /--since must be before --until/],
    [['explain'], /missing required argument 'event'/],
    [['sandbox', '--port', 'x'], /--port must be 0-65535/],
    [['sandbox', '--limits', 'gold'], /--limits/],
  ])('%j is a usage error: exit 2 with the reason on stderr', (args, reason) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(reason);
  });

  it('a malformed setting is a failure, not a usage error: exit 1 with one line naming it', () => {
    const r = cli(['dlq', 'list'], { KAFKA_FROM_BEGINNING: 'maybe' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/KAFKA_FROM_BEGINNING/);
  });

  it('sandbox: the options reach the sandbox (--token repeated: both accepted), SIGTERM stops it with 0', async () => {
    const child = spawn(bin(), ['sandbox', '--port', '0', '--token', 'one', '--token=two'], {
      cwd: dir,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [first] = (await once(child.stdout!, 'data')) as [Buffer];
      const url = first.toString().trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const me = (token: string) =>
        fetch(`${url}/api/v2/users/me.json`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        );
      expect([await me('one'), await me('two'), await me('three')]).toEqual([200, 200, 401]);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
