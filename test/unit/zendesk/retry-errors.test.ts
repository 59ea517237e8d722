import { describe, expect, it } from 'vitest';
import { finalError, parseErrorBody } from '../../../src/zendesk/error-map.js';
import { backoffMs, RetryBudget, transientReason } from '../../../src/zendesk/retry.js';

describe('retry policy', () => {
  it('5xx, 409, timeouts and dropped connections are transient; 4xx are not', () => {
    expect(transientReason({ kind: 'status', status: 500 })).toBe('5xx');
    expect(transientReason({ kind: 'status', status: 503 })).toBe('5xx');
    expect(transientReason({ kind: 'status', status: 409 })).toBe('409');
    expect(transientReason({ kind: 'timeout' })).toBe('timeout');
    expect(transientReason({ kind: 'network' })).toBe('network');
    for (const s of [301, 302, 400, 401, 403, 404, 422])
      expect(transientReason({ kind: 'status', status: s })).toBeNull();
    // 408: the server gave up waiting for our request; it never acted on it.
    expect(transientReason({ kind: 'status', status: 408 })).toBe('timeout');
  });

  it('full jitter: a uniform draw below min(cap, base·2^n)', () => {
    const opts = { baseMs: 100, capMs: 1000 };
    expect(backoffMs(0, opts, () => 0.999)).toBe(99);
    expect(backoffMs(3, opts, () => 0.5)).toBe(400);
    expect(backoffMs(10, opts, () => 0.999)).toBe(999);
    expect(backoffMs(5, opts, () => 0)).toBe(0);
  });

  it('the budget is total time; 429 waits extend it', () => {
    const b = new RetryBudget(0, 1000);
    expect(b.allows(900, 100)).toBe(true);
    expect(b.allows(900, 101)).toBe(false);
    b.extend(500);
    expect(b.allows(1400, 100)).toBe(true);
  });
});

describe('Zendesk error bodies', () => {
  it('422 RecordInvalid keeps code, details and the first detail as message', () => {
    const body = {
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: {
        email: [
          { description: 'Email: a@b.com is already being used by another user', error: 'DuplicateValue' },
        ],
      },
    };
    expect(parseErrorBody(422, body, '')).toEqual({
      status: 422,
      code: 'RecordInvalid',
      message: 'Email: a@b.com is already being used by another user',
      details: body.details,
    });
  });

  it('401 sentence is a message, not a code', () => {
    expect(parseErrorBody(401, { error: "Couldn't authenticate you" }, '')).toMatchObject({
      code: 'Unauthorized',
      message: "Couldn't authenticate you",
    });
  });

  it('Events API errors envelope', () => {
    const body = { errors: [{ code: 'InvalidValue', id: 'x', title: 'event.source is required' }] };
    expect(parseErrorBody(400, body, '')).toMatchObject({
      code: 'InvalidValue',
      message: 'event.source is required',
    });
  });

  it('text/plain and OAuth bodies', () => {
    expect(parseErrorBody(503, undefined, 'Service Unavailable')).toEqual({
      status: 503,
      code: 'ServiceUnavailable',
      message: 'Service Unavailable',
    });
    expect(
      parseErrorBody(401, { error: 'invalid_client', error_description: 'Client authentication failed' }, ''),
    ).toMatchObject({
      code: 'invalid_client',
      message: 'Client authentication failed',
    });
  });
});

describe('final errors: what the pipeline must do', () => {
  const ctx = { endpoint: 'users/create_or_update', attempts: 4 };
  const info = (status: number, code: string) => ({ status, code, message: code });

  it.each([
    [{ kind: 'timeout' } as const, 'outage', 'Timeout'],
    [{ kind: 'network' } as const, 'outage', 'ConnectionError'],
    [{ kind: 'status', status: 503 } as const, 'outage', 'ServiceUnavailable'],
    [{ kind: 'status', status: 401 } as const, 'outage', 'Unauthorized'],
    [{ kind: 'status', status: 403 } as const, 'reject', 'Forbidden'],
    [{ kind: 'status', status: 409 } as const, 'reject', 'DatabaseConflict'],
    [{ kind: 'status', status: 422 } as const, 'reject', 'RecordInvalid'],
    [{ kind: 'status', status: 404 } as const, 'reject', 'RecordNotFound'],
    [{ kind: 'status', status: 400 } as const, 'reject', 'BadRequest'],
  ])('%o → %s %s', (failure, action, code) => {
    const i = failure.kind === 'status' ? info(failure.status, code) : undefined;
    const e = finalError(failure, i, ctx);
    expect(e.action).toBe(action);
    expect(e.code).toBe(code);
    expect(e.attempts).toBe(4);
    expect(e.endpoint).toBe('users/create_or_update');
    if (failure.kind === 'status') expect(e.status).toBe(failure.status);
  });

  it('403 on a bulk endpoint means bulk imports are off: a reject, not an outage', () => {
    const e = finalError({ kind: 'status', status: 403 }, info(403, 'Forbidden'), { ...ctx, bulk: true });
    expect(e.action).toBe('reject');
    expect(e.code).toBe('BulkImportsDisabled');
  });

  it('403 is a missing capability of one endpoint (a reject), except on users/me: the account is refused', () => {
    const fields = finalError({ kind: 'status', status: 403 }, info(403, 'Forbidden'), {
      endpoint: 'user_fields',
      attempts: 1,
    });
    expect(fields).toMatchObject({ action: 'reject', code: 'Forbidden', status: 403 });
    const me = finalError({ kind: 'status', status: 403 }, info(403, 'Forbidden'), {
      endpoint: 'users/me',
      attempts: 1,
    });
    expect(me).toMatchObject({ action: 'outage', status: 403 });
  });

  it.each([301, 302, 307, 308])('a redirect (%i) means a wrong ZENDESK_URL: an outage', (status) => {
    const e = finalError({ kind: 'status', status }, undefined, ctx);
    expect(e.action).toBe('outage');
    expect(e.code).toBe('Redirect');
    expect(e.message).toMatch(/ZENDESK_URL/);
  });

  it('408 past the budget is an outage', () => {
    const e = finalError({ kind: 'status', status: 408 }, undefined, ctx);
    expect(e).toMatchObject({ action: 'outage', status: 408 });
  });

  it('a 404 that is not JSON (a proxy, a wrong base URL) is an outage; a JSON 404 stays a reject', () => {
    const html = finalError({ kind: 'status', status: 404 }, info(404, 'RecordNotFound'), {
      ...ctx,
      json: false,
    });
    expect(html).toMatchObject({ action: 'outage', status: 404, code: 'NotZendesk' });
    expect(html.message).toMatch(/ZENDESK_URL/);
    const zendesk = finalError({ kind: 'status', status: 404 }, info(404, 'RecordNotFound'), {
      ...ctx,
      json: true,
    });
    expect(zendesk.action).toBe('reject');
  });

  it('keeps Zendesk details on a reject', () => {
    const details = { name: [{ description: 'Name: has already been taken', error: 'DuplicateValue' }] };
    const e = finalError(
      { kind: 'status', status: 422 },
      { status: 422, code: 'RecordInvalid', message: 'x', details },
      ctx,
    );
    expect(e.details).toEqual(details);
    expect(e).toMatchObject({ status: 422, code: 'RecordInvalid', details });
  });
});
