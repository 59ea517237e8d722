import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseSandboxArgs } from '../../../src/sandbox/cli.js';
import { ENTERPRISE_LIMITS, NO_LIMITS } from '../../../src/sandbox/index.js';

const basicAuth = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('sandbox command line', () => {
  it('parses --port, --token, --limits, --time-scale and --strict', () => {
    expect(
      parseSandboxArgs([
        '--port',
        '4010',
        '--token',
        'T',
        '--limits',
        'enterprise',
        '--time-scale=60',
        '--strict',
      ]),
    ).toEqual({
      port: 4010,
      host: '127.0.0.1',
      config: { auth: { tokens: ['T'] }, limits: { ...ENTERPRISE_LIMITS, timeScale: 60 }, strict: true },
    });
    expect(parseSandboxArgs([])).toEqual({ port: 0, host: '127.0.0.1', config: {} });
  });

  it('--limits none is the explicit loose mode: every budget off', () => {
    expect(parseSandboxArgs(['--limits', 'none']).config.limits).toEqual(NO_LIMITS);
    expect(NO_LIMITS.eventsPerMinute).toBeNull();
    expect(NO_LIMITS.organizationUpdatePerOrgPerMinute).toBeNull();
  });

  it('--role agent makes every credential an agent; --oauth-token-ttl sets the access-token lifetime', () => {
    expect(parseSandboxArgs(['--role', 'agent', '--oauth-token-ttl=30', '--token', 'T']).config).toEqual({
      auth: { role: 'agent', oauthTokenTtlSeconds: 30, tokens: ['T'] },
    });
    expect(parseSandboxArgs(['--role=admin']).config).toEqual({ auth: { role: 'admin' } });
    expect(() => parseSandboxArgs(['--role', 'owner'])).toThrow(/--role must be admin or agent/);
    expect(() => parseSandboxArgs(['--oauth-token-ttl', '0'])).toThrow(/--oauth-token-ttl/);
  });

  it('refuses unknown options and bad values with a usage line', () => {
    expect(() => parseSandboxArgs(['--nope'])).toThrow(/usage: zendesk-destination sandbox/);
    expect(() => parseSandboxArgs(['--port', 'x'])).toThrow(/--port/);
    expect(() => parseSandboxArgs(['--limits', 'gold'])).toThrow(/--limits/);
    expect(() => parseSandboxArgs(['--token'])).toThrow(/--token needs a value/);
  });

  it('starts, prints its URL, answers users/me 200 with credentials and 401 without, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/sandbox/main-for-test.ts', '--port', '0', '--token', 'cli-secret'],
      {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      expect(out).not.toContain('cli-secret');
      const me = (auth?: string) =>
        fetch(`${url}/api/v2/users/me.json`, {
          headers: auth ? { Authorization: auth } : {},
          signal: AbortSignal.timeout(5000),
        });
      expect((await me('Bearer cli-secret')).status).toBe(200);
      expect((await me(basicAuth('ops@example.org/token', 'cli-secret'))).status).toBe(200);
      const anon = await me();
      expect(anon.status).toBe(401);
      expect(await anon.json()).toEqual({ error: "Couldn't authenticate you" });
      expect((await me('Bearer sandbox-token')).status).toBe(401);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
