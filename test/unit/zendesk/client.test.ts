/**
 * The client's call road on virtual time: a scripted transport stands in for Zendesk, a fake clock
 * for time. No network, no real timers.
 */
import { describe, expect, it } from 'vitest';
import type { ZendeskClientOptions } from '../../../src/zendesk/client.js';
import { ZendeskError } from '../../../src/zendesk/errors.js';
import { TransportError, type HttpAnswer, type HttpRequest } from '../../../src/zendesk/http.js';
import { fakeClient, json, text, type Script } from './fakes.js';
import { credentialWarnings } from '../../../src/zendesk/auth.js';

const USER = { id: 7, name: 'A', email: null, external_id: 'x', organization_id: null };

function setup(script: Script, over: Partial<ZendeskClientOptions> = {}) {
  const events: { kind: string; [k: string]: unknown }[] = [];
  const hooks = {
    onRequest: (r: object) => events.push({ kind: 'request', ...r }),
    onRetry: (r: object) => events.push({ kind: 'retry', ...r }),
    onRateLimitWait: (r: object) => events.push({ kind: 'wait', ...r }),
  };
  return { ...fakeClient(script, { hooks, ...over }), events };
}

const path = (r: HttpRequest) => new URL(r.url).pathname;

describe('429: Retry-After is a gate for every caller', () => {
  it('after a 429 with Retry-After 2.5, nobody sends for 2.5 s, then all succeed', async () => {
    let gave429At = -1;
    const { clock, transport, client } = setup(
      async (req, n) => {
        await clock.sleep(10);
        if (n === 1) {
          gave429At = clock.now();
          return json(429, { error: 'APIRateLimitExceeded' }, { 'retry-after': '2.5' });
        }
        return json(200, { user: USER });
      },
      { maxRetryTimeMs: 100 },
    );
    // The first call meets the 429; the others start while the gate is closed.
    const first = client.showUser(7);
    const later = (async () => {
      await clock.sleep(20);
      return Promise.all([client.showUser(7), client.showUser(7), client.showUser(7)]);
    })();
    const results = await clock.run(Promise.all([first, later]));
    expect(results[0]?.id).toBe(7);
    expect(results[1].map((u) => u?.id)).toEqual([7, 7, 7]);
    const after = transport.seen.slice(1); // everything after the request that met the 429
    expect(after.length).toBe(4);
    for (const s of after) expect(s.at).toBeGreaterThanOrEqual(gave429At + 2500);
  });

  it('a per-user upsert 429 holds that user only; TooManyJobs holds only job creation', async () => {
    const { clock, transport, client } = setup(
      async (req, n) => {
        if (path(req) === '/api/v2/users/create_or_update' && n === 1)
          return text(429, 'You have exceeded the rate limit for updating a single unique user.', {
            'retry-after': '30',
            'zendesk-ratelimit-create-update-user': 'total=5; remaining=0; resets=30',
          });
        if (path(req) === '/api/v2/users/create_or_update') return json(200, { user: USER });
        return json(200, { user: USER });
      },
      { userUpsertPerSecond: 100 },
    );
    const upsert = client.createOrUpdateUser({ external_id: 'x', name: 'A' });
    const other = (async () => {
      await clock.sleep(1);
      const t0 = clock.now();
      await client.showUser(7);
      return clock.now() - t0;
    })();
    const [, otherTook] = await clock.run(Promise.all([upsert, other]));
    expect(otherTook).toBeLessThan(1000);
    const upserts = transport.seen.filter((s) => path(s.req) === '/api/v2/users/create_or_update');
    expect(upserts).toHaveLength(2);
    expect((upserts[1]?.at ?? 0) - (upserts[0]?.at ?? 0)).toBeGreaterThanOrEqual(30_000);
  });
});

describe('retries', () => {
  it('5xx and dropped connections are retried with backoff, then succeed', async () => {
    const { clock, transport, client, events } = setup((_req, n) => {
      if (n === 1) return text(503, 'Service Unavailable');
      if (n === 2) return new TransportError('network', 'other side closed');
      if (n === 3) return new TransportError('timeout', 'request timed out');
      return json(200, { user: USER });
    });
    const u = await clock.run(client.showUser(7));
    expect(u?.id).toBe(7);
    expect(transport.seen).toHaveLength(4);
    expect(events.filter((e) => e.kind === 'retry').map((e) => e.reason)).toEqual([
      '5xx',
      'network',
      'timeout',
    ]);
    expect(events.filter((e) => e.kind === 'request').map((e) => e.status)).toEqual([
      503,
      'error',
      'error',
      200,
    ]);
    // full jitter with random 0.5: 100, 200, 400 ms
    const gaps = transport.seen.slice(1).map((s, i) => s.at - (transport.seen[i]?.at ?? 0));
    expect(gaps).toEqual([100, 200, 400]);
  });

  it('5xx past the retry budget is an outage, within the budget', async () => {
    const { clock, transport, client } = setup(() => json(500, { error: 'InternalServerError' }), {
      maxRetryTimeMs: 5000,
    });
    const t0 = clock.now();
    const err = await clock.run(client.showUser(7)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZendeskError);
    expect((err as ZendeskError).action).toBe('outage');
    expect((err as ZendeskError).status).toBe(500);
    expect((err as ZendeskError).attempts).toBe(transport.seen.length);
    expect(transport.seen.length).toBeGreaterThan(3);
    expect(clock.now() - t0).toBeLessThanOrEqual(5000);
  });

  it('time spent waiting for the rate limit does not eat the retry budget', async () => {
    const { clock, transport, client } = setup(
      (_req, n) => (n === 3 ? json(500, {}) : json(200, { user: USER })),
      {
        accountRatePerMinute: 2,
        maxRetryTimeMs: 1000,
      },
    );
    const all = await clock.run(Promise.all([client.showUser(7), client.showUser(7), client.showUser(7)]));
    expect(all.map((u) => u?.id)).toEqual([7, 7, 7]);
    // The third call waited a minute for the budget, then met a 500, and was still retried.
    expect(transport.seen).toHaveLength(4);
    expect(transport.seen[2]!.at - transport.seen[0]!.at).toBeGreaterThanOrEqual(60_000);
  });

  it('an upsert failing every time ends within the budget although each retry waits for the 1/s limit', async () => {
    let firstFailure = -1;
    const { clock, transport, client } = setup(
      () => {
        if (firstFailure < 0) firstFailure = clock.now();
        return json(500, {});
      },
      { maxRetryTimeMs: 5000 },
    );
    const err = (await clock
      .run(client.createOrUpdateUser({ external_id: 'x', name: 'A' }))
      .catch((e) => e)) as ZendeskError;
    expect(err.action).toBe('outage');
    const last = transport.seen[transport.seen.length - 1]!.at;
    // One limiter wait (1 s + margin) may follow the last retry decision, no more.
    expect(last - firstFailure).toBeLessThanOrEqual(5000 + 1100);
    expect(transport.seen.length).toBeGreaterThan(2);
  });

  it('a 429 wait extends the retry budget: 5xx starts it, a 429 outlasts it, then a 200 succeeds', async () => {
    const { clock, transport, client } = setup(
      (_req, n) => {
        if (n === 1) return text(503, 'Service Unavailable');
        if (n === 2) return json(429, { error: 'APIRateLimitExceeded' }, { 'retry-after': '5' });
        return json(200, { user: USER });
      },
      { maxRetryTimeMs: 1000 },
    );
    const u = await clock.run(client.showUser(7));
    expect(u?.id).toBe(7);
    expect(transport.seen).toHaveLength(3);
    // The third attempt went after the 5 s Retry-After, far past the 1 s budget the 5xx started.
    expect(transport.seen[2]!.at - transport.seen[0]!.at).toBeGreaterThanOrEqual(5000);
  });

  it('a 429 wait extends the retry budget: a 5xx after the long 429 is still retried', async () => {
    const { clock, transport, client } = setup(
      (_req, n) => {
        if (n === 1) return text(503, 'Service Unavailable');
        if (n === 2) return json(429, { error: 'APIRateLimitExceeded' }, { 'retry-after': '5' });
        if (n === 3) return text(502, 'Bad Gateway');
        return json(200, { user: USER });
      },
      { maxRetryTimeMs: 1000 },
    );
    // Without the extension the 502, 5 s into a 1 s budget, would end the call as an outage.
    const u = await clock.run(client.showUser(7));
    expect(u?.id).toBe(7);
    expect(transport.seen).toHaveLength(4);
  });

  it('a redirect, a 408 past the budget and a non-JSON 404 are outages; a JSON 404 is Zendesk saying not found', async () => {
    const redirect = setup(() => ({
      status: 301,
      headers: { location: 'https://acme.zendesk.com/api/v2/users/7' },
      text: '',
    }));
    const e1 = (await redirect.clock.run(redirect.client.showUser(7)).catch((e) => e)) as ZendeskError;
    expect(e1).toMatchObject({ action: 'outage', status: 301, code: 'Redirect' });
    expect(redirect.transport.seen).toHaveLength(1);

    const slow = setup(() => text(408, 'Request Timeout'), { maxRetryTimeMs: 1000 });
    const e2 = (await slow.clock.run(slow.client.showUser(7)).catch((e) => e)) as ZendeskError;
    expect(e2).toMatchObject({ action: 'outage', status: 408 });
    expect(slow.transport.seen.length).toBeGreaterThan(1);

    // showUser takes Zendesk's 404 for "no such user", never a proxy's HTML 404.
    const proxy = setup(() => ({
      status: 404,
      headers: { 'content-type': 'text/html' },
      text: '<html><body>Not Found</body></html>',
    }));
    const e3 = (await proxy.clock.run(proxy.client.showUser(7)).catch((e) => e)) as ZendeskError;
    expect(e3).toMatchObject({ action: 'outage', status: 404, code: 'NotZendesk' });
    const zendesk404 = setup(() => json(404, { error: 'RecordNotFound', description: 'Not found' }));
    expect(await zendesk404.clock.run(zendesk404.client.showUser(7))).toBeNull();
  });

  it('403 on one endpoint is a reject (Forbidden): a capability, not the account', async () => {
    const { clock, client } = setup(() =>
      json(403, { error: 'Forbidden', description: 'You do not have access' }),
    );
    const err = (await clock
      .run(client.createField('user', { key: 'plan', type: 'text', title: 'Plan' }))
      .catch((e) => e)) as ZendeskError;
    expect(err).toMatchObject({ action: 'reject', status: 403, code: 'Forbidden', endpoint: 'user_fields' });
  });

  it('409 past the budget is a reject (DatabaseConflict), not an outage', async () => {
    const { clock, client } = setup(
      () => json(409, { error: 'DatabaseConflict', description: 'Database collision' }),
      {
        maxRetryTimeMs: 2000,
      },
    );
    const err = (await clock
      .run(client.createOrUpdateUser({ external_id: 'x', name: 'A' }))
      .catch((e) => e)) as ZendeskError;
    expect(err.action).toBe('reject');
    expect(err.code).toBe('DatabaseConflict');
    expect(err.attempts).toBeGreaterThan(1);
  });

  it('422 is a reject at once, with Zendesk details', async () => {
    const details = { email: [{ description: 'Email: is invalid', error: 'InvalidFormat' }] };
    const { clock, transport, client } = setup(() =>
      json(422, { error: 'RecordInvalid', description: 'Record validation errors', details }),
    );
    const err = (await clock
      .run(client.createOrUpdateUser({ email: 'nope', name: 'A' }))
      .catch((e) => e)) as ZendeskError;
    expect(transport.seen).toHaveLength(1);
    expect(err).toMatchObject({ action: 'reject', status: 422, code: 'RecordInvalid', details });
  });
});

describe('authentication', () => {
  it('Basic headers for API tokens and passwords, Bearer for tokens', async () => {
    for (const [auth, expected] of [
      [{ kind: 'bearer', token: 'tok' }, 'Bearer tok'],
      [
        { kind: 'api-token', email: 'me@x.io', token: 'T' },
        `Basic ${Buffer.from('me@x.io/token:T').toString('base64')}`,
      ],
      // As Segment's page has users write it: never `me@x.io/token/token:T`.
      [
        { kind: 'api-token', email: 'me@x.io/token', token: 'T' },
        `Basic ${Buffer.from('me@x.io/token:T').toString('base64')}`,
      ],
      [
        { kind: 'password', email: 'me@x.io', password: 'P' },
        `Basic ${Buffer.from('me@x.io:P').toString('base64')}`,
      ],
    ] as const) {
      const { clock, transport, client } = setup(() => json(200, { user: USER }), { auth });
      await clock.run(client.showUser(7));
      expect(transport.seen[0]?.req.headers.authorization).toBe(expected);
    }
  });

  it('warns about API tokens and passwords at start-up, without the secrets', () => {
    // One decision for the client and the config: the warnings come with the credential kind.
    const a = credentialWarnings({ kind: 'api-token', email: 'me@x.io', token: 'T0k3n' });
    const p = credentialWarnings({ kind: 'password', email: 'me@x.io', password: 'pw' });
    const b = credentialWarnings({ kind: 'bearer', token: 'tok' });
    expect(a.join()).toMatch(/2027-04-30/);
    expect(p.join()).toMatch(/password/i);
    expect(b).toEqual([]);
    for (const w of [...a, ...p]) expect(w).not.toMatch(/me@x\.io|T0k3n|pw\b/);
  });

  it('client credentials: one token fetch shared by concurrent calls; a 401 refreshes once', async () => {
    let issued = 0;
    const valid = new Set<string>();
    const { clock, transport, client } = setup(
      async (req) => {
        await clock.sleep(5);
        if (path(req) === '/oauth/tokens') {
          const t = `t${++issued}`;
          valid.add(t);
          return json(200, { access_token: t, token_type: 'bearer' });
        }
        const token = req.headers.authorization?.replace('Bearer ', '') ?? '';
        return valid.has(token)
          ? json(200, { user: USER })
          : json(401, { error: "Couldn't authenticate you" });
      },
      { auth: { kind: 'oauth-client', clientId: 'cid', clientSecret: 'sec' } },
    );
    await clock.run(Promise.all([client.showUser(7), client.showUser(7), client.showUser(7)]));
    expect(issued).toBe(1);
    const tokenReq = transport.seen.find((s) => path(s.req) === '/oauth/tokens');
    expect(JSON.parse(tokenReq?.req.body ?? '{}')).toMatchObject({
      grant_type: 'client_credentials',
      client_id: 'cid',
    });
    expect(tokenReq?.req.headers.authorization).toBeUndefined();

    valid.clear(); // the token was revoked: the next call refreshes once and succeeds
    const u = await clock.run(client.showUser(7));
    expect(u?.id).toBe(7);
    expect(issued).toBe(2);
  });

  it('a revoked credential is an outage (bearer: at once; OAuth: after one refresh)', async () => {
    const { clock, transport, client } = setup(() => json(401, { error: "Couldn't authenticate you" }));
    const err = (await clock.run(client.showUser(7)).catch((e) => e)) as ZendeskError;
    expect(err).toMatchObject({ action: 'outage', status: 401 });
    expect(transport.seen).toHaveLength(1);

    const o = setup(
      (req) =>
        path(req) === '/oauth/tokens'
          ? json(200, { access_token: 'x' })
          : json(401, { error: "Couldn't authenticate you" }),
      { auth: { kind: 'oauth-client', clientId: 'cid', clientSecret: 'sec' } },
    );
    const err2 = (await o.clock.run(o.client.showUser(7)).catch((e) => e)) as ZendeskError;
    expect(err2).toMatchObject({ action: 'outage', status: 401 });
    expect(o.transport.seen.map((s) => path(s.req))).toEqual([
      '/oauth/tokens',
      '/api/v2/users/7',
      '/oauth/tokens',
      '/api/v2/users/7',
    ]);
  });

  it('a wrong client secret is an outage from the token endpoint', async () => {
    const { clock, client } = setup(() => json(401, { error: 'invalid_client', error_description: 'nope' }), {
      auth: { kind: 'oauth-client', clientId: 'cid', clientSecret: 'sec' },
    });
    const err = (await clock.run(client.showUser(7)).catch((e) => e)) as ZendeskError;
    expect(err).toMatchObject({ action: 'outage', endpoint: 'oauth/tokens', code: 'invalid_client' });
  });
});

describe('limits and concurrency', () => {
  it('never more than `concurrency` requests in flight', async () => {
    const { clock, transport, client } = setup(
      async () => {
        await clock.sleep(7);
        return json(200, { user: USER });
      },
      { concurrency: 3 },
    );
    await clock.run(Promise.all(Array.from({ length: 40 }, () => client.showUser(7))));
    expect(transport.seen).toHaveLength(40);
    expect(transport.maxInFlight).toBe(3);
  });

  it('the account budget learnt from X-Rate-Limit spaces a burst: no more than the limit per window', async () => {
    const { clock, transport, client } = setup(
      () => json(200, { user: USER }, { 'x-rate-limit': '10', 'x-rate-limit-remaining': '9' }),
      { accountRatePerMinute: 10, timeScale: 60 },
    );
    await clock.run(Promise.all(Array.from({ length: 35 }, () => client.showUser(7))));
    const at = transport.seen.map((s) => s.at);
    for (const t of at) expect(at.filter((x) => x >= t && x < t + 1000).length).toBeLessThanOrEqual(10);
    expect(at[at.length - 1]! - at[0]!).toBeGreaterThanOrEqual(3000);
  });

  it('user upserts: 1/s for the account and 5/min for one user', async () => {
    const { clock, transport, client } = setup(() => json(200, { user: USER }));
    await clock.run(
      Promise.all(
        Array.from({ length: 7 }, () => client.createOrUpdateUser({ external_id: 'X', name: 'A' })),
      ),
    );
    const at = transport.seen.map((s) => s.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000);
    expect(at[5]! - at[0]!).toBeGreaterThanOrEqual(60_000);
  });
});

describe('bulk jobs', () => {
  const job = (status: string, results: unknown = null) => ({ job_status: { id: 'abc', status, results } });

  it('creates, polls with backoff until completed, maps results to input indexes', async () => {
    let polls = 0;
    const { clock, transport, client } = setup((req) => {
      if (path(req) === '/api/v2/users/create_or_update_many') return json(200, job('queued'));
      polls++;
      if (polls < 3) return json(200, job('working'));
      return json(
        200,
        job('completed', [
          { id: 11, index: 0, action: 'create', status: 'Created', success: true },
          { action: 'update', id: 12, status: 'Updated', success: true },
          {
            index: 2,
            error: 'RecordInvalid',
            details: { email: [{ description: 'Email: is invalid', error: 'InvalidFormat' }] },
            success: false,
          },
        ]),
      );
    });
    const r = await clock.run(client.createOrUpdateManyUsers([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
    expect(r).toEqual([
      { index: 0, ok: true, id: 11, action: 'create' },
      { index: 1, ok: true, id: 12, action: 'update' },
      {
        index: 2,
        ok: false,
        error: {
          code: 'RecordInvalid',
          message: 'Email: is invalid',
          details: { email: [{ description: 'Email: is invalid', error: 'InvalidFormat' }] },
        },
      },
    ]);
    const pollTimes = transport.seen
      .filter((s) => path(s.req).startsWith('/api/v2/job_statuses/'))
      .map((s) => s.at);
    expect(pollTimes).toHaveLength(3);
    expect(pollTimes[2]! - pollTimes[1]!).toBeGreaterThan(pollTimes[1]! - pollTimes[0]!);
  });

  /** Sequential one-item jobs against a Zendesk whose jobs take `durationMs`: polls made per job. */
  async function pollsPerJob(durationMs: number, jobs: number) {
    let createdAt = 0;
    let polls = 0;
    const counts: number[] = [];
    const { clock, client } = setup((req) => {
      if (path(req) === '/api/v2/users/create_or_update_many') {
        createdAt = clock.now();
        return json(200, job('queued'));
      }
      polls++;
      return clock.now() - createdAt >= durationMs
        ? json(
            200,
            job('completed', [{ id: 1, index: 0, action: 'create', status: 'Created', success: true }]),
          )
        : json(200, job('working'));
    });
    const firstPolls: number[] = [];
    for (let i = 0; i < jobs; i++) {
      polls = 0;
      const started = clock.now();
      await clock.run(client.createOrUpdateManyUsers([{ name: 'a' }]));
      counts.push(polls);
      firstPolls.push(clock.now() - started);
    }
    return { counts, elapsed: firstPolls };
  }

  it('the first poll learns how long jobs take: quick jobs are looked at sooner, slow ones with fewer polls', async () => {
    // Jobs finished at once: the first poll moves from 200 ms down to the 5 ms floor.
    const quick = await pollsPerJob(0, 30);
    expect(quick.counts.every((n) => n === 1)).toBe(true);
    expect(quick.elapsed[0]).toBeGreaterThanOrEqual(200);
    expect(Math.max(...quick.elapsed.slice(-5))).toBeLessThan(20);
    // Jobs that take 3 s: a fixed 200 ms ×1.5 ladder needs 7 polls each; learnt, about two.
    const slow = await pollsPerJob(3000, 40);
    expect(slow.counts[0]).toBeGreaterThanOrEqual(6);
    const late = slow.counts.slice(-20);
    expect(late.reduce((a, b) => a + b, 0) / late.length).toBeLessThanOrEqual(2.5);
    // ...and a job is not left waiting long after it finished.
    expect(Math.max(...slow.elapsed.slice(-20))).toBeLessThan(3000 * 1.6);
  });

  it('splits more than 100 items into jobs and keeps indexes', async () => {
    let jobs = 0;
    const { clock, client } = setup((req) => {
      if (path(req).endsWith('create_many')) {
        const n = (JSON.parse(req.body ?? '{}') as { organization_memberships: unknown[] })
          .organization_memberships.length;
        jobs++;
        return json(
          200,
          job(
            'completed',
            Array.from({ length: n }, (_, i) => ({ id: 1000 + i, index: i, success: true })),
          ),
        );
      }
      return json(500, {});
    });
    const items = Array.from({ length: 150 }, (_, i) => ({ user_id: i, organization_id: 1 }));
    const r = await clock.run(client.createManyMemberships(items));
    expect(jobs).toBe(2);
    expect(r.map((x) => x.index)).toEqual(items.map((_, i) => i));
    expect(r[120]).toEqual({ index: 120, ok: true, id: 1020, action: 'create' });
  });

  it('403 on a bulk endpoint: BulkImportsDisabled, remembered without asking again', async () => {
    const { clock, transport, client } = setup(() => json(403, { error: 'Forbidden' }));
    for (let i = 0; i < 2; i++) {
      const err = (await clock
        .run(client.createOrUpdateManyUsers([{ name: 'a' }]))
        .catch((e) => e)) as ZendeskError;
      expect(err).toMatchObject({ action: 'reject', code: 'BulkImportsDisabled' });
    }
    expect(transport.seen).toHaveLength(1);
  });

  it('until the first bulk call has answered, concurrent ones wait for it: bulk imports off costs one refused call', async () => {
    const { clock, transport, client } = setup(async () => {
      await clock.sleep(50);
      return json(403, { error: 'Forbidden' });
    });
    const errs = await clock.run(
      Promise.all([1, 2, 3].map(() => client.createOrUpdateManyUsers([{ name: 'a' }]).catch((e) => e))),
    );
    for (const err of errs) expect(err).toMatchObject({ action: 'reject', code: 'BulkImportsDisabled' });
    expect(transport.seen).toHaveLength(1);
  });

  it('TooManyJobs waits its Retry-After; never more than maxJobs of ours at once', async () => {
    let created = 0;
    let running = 0;
    let maxRunning = 0;
    let refusedOnce = false;
    const { clock, client } = setup(
      async (req) => {
        if (path(req).endsWith('create_many')) {
          if (!refusedOnce) {
            refusedOnce = true;
            return json(429, { error: 'TooManyJobs', description: 'Too many jobs' }, { 'retry-after': '3' });
          }
          running++;
          maxRunning = Math.max(maxRunning, running);
          return json(200, { job_status: { id: `j${++created}`, status: 'queued', results: null } });
        }
        // Polls may look at several jobs at once (show_many): each one looked at finishes.
        const ids = path(req).endsWith('show_many')
          ? new URL(req.url).searchParams.get('ids')!.split(',')
          : [path(req).split('/').pop()!];
        await clock.sleep(500);
        running -= ids.length;
        const done = (id: string) => ({
          id,
          status: 'completed',
          results: [{ id: 1, index: 0, success: true }],
        });
        return json(200, ids.length > 1 ? { job_statuses: ids.map(done) } : { job_status: done(ids[0]!) });
      },
      { maxJobs: 2 },
    );
    const started = clock.now();
    const r = await clock.run(
      Promise.all(
        Array.from({ length: 5 }, () => client.createManyMemberships([{ user_id: 1, organization_id: 2 }])),
      ),
    );
    expect(r.flat().every((x) => x.ok)).toBe(true);
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(clock.now() - started).toBeGreaterThanOrEqual(3000);
  });

  it('jobs in flight together are polled together: one show_many per look, not one poll per job', async () => {
    let created = 0;
    const createdAt = new Map<string, number>();
    const polls: string[][] = [];
    const { clock, transport, client } = setup(
      (req) => {
        if (path(req).endsWith('create_or_update_many')) {
          const id = `j${++created}`;
          createdAt.set(id, clock.now());
          return json(200, { job_status: { id, status: 'queued', results: null } });
        }
        const ids = path(req).endsWith('show_many')
          ? new URL(req.url).searchParams.get('ids')!.split(',')
          : [path(req).split('/').pop()!];
        polls.push(ids);
        // Every job takes 3 s of Zendesk time.
        const status = (id: string) =>
          clock.now() - createdAt.get(id)! >= 3000
            ? { id, status: 'completed', results: [{ id: 1, index: 0, action: 'create', success: true }] }
            : { id, status: 'working', results: null };
        return json(
          200,
          ids.length > 1 ? { job_statuses: ids.map(status) } : { job_status: status(ids[0]!) },
        );
      },
      { maxJobs: 30 },
    );
    const r = await clock.run(
      Promise.all(Array.from({ length: 20 }, (_, i) => client.createOrUpdateManyUsers([{ name: `u${i}` }]))),
    );
    expect(r.flat().every((x) => x.ok)).toBe(true);
    const pollRequests = transport.seen.filter((s) => path(s.req).startsWith('/api/v2/job_statuses'));
    // Polled one by one, twenty 3-second jobs cost 84 requests (each looked at ~4 times); together, the
    // looks cost what one job's looks cost: fewer requests than jobs.
    expect(pollRequests.length).toBeLessThanOrEqual(12);
    // The first create goes alone (is bulk on for this account?); once Zendesk has taken that job the
    // other 19 go, and all 20 are looked at together.
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((ids) => ids.length === 20)).toBe(true);
  });

  it('a failed job fails every item with the job message', async () => {
    const { clock, client } = setup(() =>
      json(200, { job_status: { id: 'j', status: 'failed', message: 'boom', results: null } }),
    );
    const r = await clock.run(client.createOrUpdateManyUsers([{ name: 'a' }, { name: 'b' }]));
    expect(r).toEqual([
      { index: 0, ok: false, error: { code: 'JobFailed', message: 'boom' } },
      { index: 1, ok: false, error: { code: 'JobFailed', message: 'boom' } },
    ]);
  });
});

describe('reads', () => {
  it('lists follow cursor pages on our own host only', async () => {
    const { clock, transport, client } = setup((req) => {
      const after = new URL(req.url).searchParams.get('page[after]');
      if (!after)
        return json(200, {
          user_fields: [{ id: 1 }],
          meta: { has_more: true, after_cursor: 'c1' },
          links: { next: 'https://evil.example/api/v2/user_fields?page[size]=100&page[after]=c1' },
        });
      return json(200, { user_fields: [{ id: 2 }], meta: { has_more: false }, links: { next: null } });
    });
    const fields = await clock.run(client.listFields('user'));
    expect(fields.map((f) => f.id)).toEqual([1, 2]);
    expect(transport.seen.map((s) => new URL(s.req.url).host)).toEqual([
      'acme.zendesk.com',
      'acme.zendesk.com',
    ]);
    expect(new URL(transport.seen[0]!.req.url).searchParams.get('page[size]')).toBe('100');
  });

  it('showUser/showOrganization are null on 404; other 404s are rejects', async () => {
    const { clock, client } = setup(() => json(404, { error: 'RecordNotFound', description: 'Not found' }));
    expect(await clock.run(client.showUser(1))).toBeNull();
    expect(await clock.run(client.showOrganization(1))).toBeNull();
    const err = (await clock.run(client.deleteMembership(1)).catch((e) => e)) as ZendeskError;
    expect(err).toMatchObject({ action: 'reject', status: 404 });
  });

  it('createMembership: 422 with the membership in place is `existed`; 422 without it is a reject', async () => {
    const member = { id: 5, user_id: 1, organization_id: 2, default: true };
    const { clock, client } = setup((req) => {
      if (req.method === 'POST')
        return json(422, {
          error: 'RecordInvalid',
          details: { user_id: [{ description: 'taken', error: 'DuplicateValue' }] },
        });
      return json(200, { organization_memberships: [member], meta: { has_more: false } });
    });
    expect(await clock.run(client.createMembership(1, 2))).toEqual({ membership: member, existed: true });
    const err = (await clock.run(client.createMembership(1, 3)).catch((e) => e)) as ZendeskError;
    expect(err).toMatchObject({ action: 'reject', status: 422 });
  });

  it('hook labels are route templates, never ids or emails', async () => {
    const { clock, client, events } = setup((req): HttpAnswer => {
      if (path(req).includes('search')) return json(200, { users: [], next_page: null });
      if (path(req).includes('events')) return json(202, { status: 'received' });
      return json(200, { user: USER });
    });
    await clock.run(client.searchUsers({ email: 'someone@example.com' }));
    await clock.run(client.createUserEvent(123, { type: 't', source: 's', properties: {} }));
    await clock.run(client.updateUser(456, { name: 'x' }));
    const labels = events.filter((e) => e.kind === 'request').map((e) => e.endpoint);
    expect(labels).toEqual(['users/search', 'users/{id}/events', 'users/{id}']);
  });
});

describe('Events API: its own budget', () => {
  const EVENT = { type: 't', source: 's', properties: {} };
  const PROFILE = { source: 's', type: 'customer', identifiers: [{ type: 'external_id', value: 'u1' }] };

  it('sends the profile beside the event', async () => {
    const { clock, transport, client } = setup(() => json(202, { status: 'received' }));
    await clock.run(client.createUserEvent(123, EVENT, PROFILE));
    expect(JSON.parse(transport.seen[0]!.req.body ?? '{}')).toEqual({ profile: PROFILE, event: EVENT });
  });

  it('paced on its own per-minute budget, learnt from its zendesk-ratelimit-events bucket; the account budget is untouched', async () => {
    const { clock, transport, client } = setup(
      (req) =>
        path(req).endsWith('/events')
          ? json(
              202,
              { status: 'received' },
              // The account's headers are on every answer; the Events API's budget is its bucket.
              {
                'x-rate-limit': '700',
                'x-rate-limit-remaining': '699',
                'zendesk-ratelimit-events': 'total=3; remaining=2; resets=60',
              },
            )
          : json(200, { user: USER }, { 'x-rate-limit': '700', 'x-rate-limit-remaining': '699' }),
      { accountRatePerMinute: 10_000, eventsRatePerMinute: 1000 },
    );
    const t0 = clock.now();
    // The first answer's bucket teaches a budget of 3/min (not the account's 700 on the same answer):
    // the 4th and 5th events wait for the window,
    // while a user read made meanwhile goes at once.
    await clock.run(client.createUserEvent(1, EVENT, PROFILE));
    const read = (async () => {
      await clock.sleep(1);
      return client.showUser(7);
    })();
    await clock.run(
      Promise.all([...[2, 3, 4, 5].map((id) => client.createUserEvent(id, EVENT, PROFILE)), read]),
    );
    const eventTimes = transport.seen.filter((s) => path(s.req).endsWith('/events')).map((s) => s.at - t0);
    expect(eventTimes.slice(0, 3)).toEqual([0, 0, 0]);
    expect(eventTimes[3]).toBeGreaterThanOrEqual(60_000);
    const readAt = transport.seen.find((s) => path(s.req) === '/api/v2/users/7')!.at - t0;
    expect(readAt).toBe(1);
  });

  it('an Events API 429 holds Events API calls only', async () => {
    let first = true;
    const { clock, transport, client } = setup(async (req) => {
      if (path(req).endsWith('/events') && first) {
        first = false;
        return json(
          429,
          { errors: [{ code: 'TooManyRequests', title: 'Too many requests' }] },
          { 'retry-after': '30' },
        );
      }
      return path(req).endsWith('/events') ? json(202, { status: 'received' }) : json(200, { user: USER });
    });
    const event = client.createUserEvent(1, EVENT, PROFILE);
    const other = (async () => {
      await clock.sleep(1);
      return client.showUser(7);
    })();
    await clock.run(Promise.all([event, other]));
    const userCall = transport.seen.find((s) => path(s.req) === '/api/v2/users/7')!;
    const retried = transport.seen.filter((s) => path(s.req).endsWith('/events'))[1]!;
    expect(userCall.at - transport.seen[0]!.at).toBeLessThan(1000);
    expect(retried.at - transport.seen[0]!.at).toBeGreaterThanOrEqual(30_000);
  });
});
