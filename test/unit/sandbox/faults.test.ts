import { describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { Faults } from '../../../src/sandbox/faults.js';
import { mulberry32 } from '../../../src/sandbox/random.js';
import { defaultConfig } from '../../../src/sandbox/config.js';
import { BEARER, call, useSandbox } from './helpers.js';

const ctx = useSandbox();

/** Status of each request; 0 when the connection was dropped. */
async function statuses(sb: Sandbox, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push((await call(sb, 'GET', '/api/v2/user_fields')).status);
    } catch {
      out.push(0);
    }
  }
  return out;
}

describe('fault injection', () => {
  it('mulberry32 is deterministic per seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('decisions follow the ratios (10,000 draws, no network)', () => {
    const cfg = { ...defaultConfig().faults, errorRatio: 0.2, conflictRatio: 0.1, dropRatio: 0.05, seed: 7 };
    const f = new Faults(() => cfg);
    const counts = { none: 0, drop: 0, e500: 0, e503: 0, e409: 0 };
    for (let i = 0; i < 10_000; i++) {
      const d = f.decide();
      if (d.kind === 'none') counts.none++;
      else if (d.kind === 'drop') counts.drop++;
      else if (d.error.status === 409) counts.e409++;
      else if (d.error.status === 500) counts.e500++;
      else counts.e503++;
    }
    expect(counts.drop / 10_000).toBeCloseTo(0.05, 1);
    expect((counts.e500 + counts.e503) / 10_000).toBeCloseTo(0.2, 1);
    expect(counts.e409 / 10_000).toBeCloseTo(0.1, 1);
    expect(counts.e500).toBeGreaterThan(0);
    expect(counts.e503).toBeGreaterThan(0);
  });

  it('errorRatio 1 answers 500 or 503 and changes nothing', async () => {
    ctx.sb.configure({ faults: { errorRatio: 1 } });
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: { name: 'A', external_id: 'a' },
    });
    expect([500, 503]).toContain(a.status);
    expect(ctx.sb.state().users).toEqual([]);
  });

  it('conflictRatio 1 answers 409 DatabaseConflict', async () => {
    ctx.sb.configure({ faults: { conflictRatio: 1 } });
    const a = await call(ctx.sb, 'GET', '/api/v2/user_fields');
    expect(a.status).toBe(409);
    expect(a.body).toEqual({ error: 'DatabaseConflict', description: 'Database collision' });
  });

  it('throttleRatio answers 429 with Retry-After and no remaining budget, and changes nothing', async () => {
    ctx.sb.configure({ faults: { throttleRatio: 1, throttleRetryAfterMs: 2000 } });
    const a = await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', {
      user: { name: 'A', external_id: 'a' },
    });
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(a.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(a.body).toMatchObject({ error: 'APIRateLimitExceeded' });
    expect(ctx.sb.state().users).toEqual([]);
    const cfg = { ...defaultConfig().faults, throttleRatio: 0.25, seed: 5 };
    const f = new Faults(() => cfg);
    let throttled = 0;
    for (let i = 0; i < 10_000; i++) {
      const d = f.decide();
      if (d.kind === 'error' && d.error.status === 429) throttled++;
    }
    expect(throttled / 10_000).toBeCloseTo(0.25, 1);
  });

  it('dropRatio 1 destroys the connection without an answer; the log records status 0', async () => {
    ctx.sb.configure({ faults: { dropRatio: 1 } });
    await expect(
      fetch(`${ctx.sb.url}/api/v2/user_fields`, { headers: BEARER, signal: AbortSignal.timeout(3000) }),
    ).rejects.toThrow();
    expect(ctx.sb.requests().at(-1)).toMatchObject({ path: '/api/v2/user_fields', status: 0 });
  });

  it('the same seed gives the same sequence of faults, run after run', async () => {
    const cfg = { faults: { errorRatio: 0.3, conflictRatio: 0.2, seed: 99 } };
    ctx.sb.configure(cfg);
    ctx.sb.reset();
    const first = await statuses(ctx.sb, 30);
    ctx.sb.reset();
    const second = await statuses(ctx.sb, 30);
    expect(second).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
    const other = await startSandbox({ config: cfg });
    try {
      expect(await statuses(other, 30)).toEqual(first);
    } finally {
      await other.close();
    }
  });

  it('latencyMs delays the answer', async () => {
    ctx.sb.configure({ faults: { latencyMs: 150 } });
    const t0 = performance.now();
    await call(ctx.sb, 'GET', '/api/v2/user_fields');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('jitterMs adds a seeded random delay below jitterMs', () => {
    const cfg = { ...defaultConfig().faults, latencyMs: 10, jitterMs: 50, seed: 3 };
    const delays = Array.from(
      { length: 200 },
      (
        (f) => () =>
          f.decide().delayMs
      )(new Faults(() => cfg)),
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeLessThan(60);
    expect(new Set(delays.map(Math.round)).size).toBeGreaterThan(10);
  });
});
